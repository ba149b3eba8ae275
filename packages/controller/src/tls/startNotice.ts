import type { ServerTls } from './serverTls.js';

/**
 * Lines for the start message about HTTPS. With a self-signed certificate they tell the user
 * what to accept: the URL, the browser's warning, and the fingerprint to compare.
 */
export function tlsStartLines(tls: ServerTls, publicUrl: string): string[] {
  if (!tls.selfSigned) return [`  HTTPS (and WSS) with the certificate in ${tls.certFile}`, `  certificate SHA-256: ${tls.fingerprint}`];
  return [
    `  HTTPS (and WSS) with a self-signed certificate: ${tls.certFile}`,
    '',
    `  Open ${publicUrl} — the browser will warn that the connection is not private,`,
    '  because no authority vouches for this certificate. Before you accept it, compare its',
    "  SHA-256 fingerprint (the browser shows it in the certificate's details) with this one:",
    `    ${tls.fingerprint}`,
    '  Accept only if they match. Everyone who joins sees the same warning once per browser.',
  ];
}
