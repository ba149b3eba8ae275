import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { generateSelfSigned } from './selfSigned.js';
import { TlsError } from './tlsError.js';

/** How the controller's HTTP server speaks: plain HTTP, or HTTPS with the operator's or a self-signed certificate. */
export type TlsSettings =
  | { kind: 'off' }
  /** The operator's PEM certificate (chain first, leaf on top) and unencrypted PEM private key. */
  | { kind: 'files'; certFile: string; keyFile: string }
  /** A self-signed certificate for `names` (IP addresses, DNS names), generated or reused in `dir`. */
  | { kind: 'selfSigned'; names: string[]; dir: string };

/** What the HTTPS server needs, and what the start message tells a user about it. */
export interface ServerTls {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
  /** SHA-256 fingerprint of the (leaf) certificate, colon-separated hex pairs. */
  fingerprint: string;
  /** True when the certificate is self-signed by the controller: browsers warn about it. */
  selfSigned: boolean;
}

/**
 * The certificate and key to serve with, or `undefined` for plain HTTP. Generates or reuses a
 * self-signed certificate if the settings ask for one. Throws `TlsError` naming the file at fault
 * (`unreadable_file`, `invalid_certificate`, `invalid_key`, `key_mismatch`) or the failed
 * generation (`invalid_name`, `openssl_failed`).
 */
export async function loadServerTls(settings: TlsSettings): Promise<ServerTls | undefined> {
  switch (settings.kind) {
    case 'off':
      return undefined;
    case 'files':
      return readPair(settings.certFile, settings.keyFile, false);
    case 'selfSigned': {
      const generated = await generateSelfSigned({ dir: settings.dir, names: settings.names });
      return readPair(generated.certFile, generated.keyFile, true);
    }
  }
}

async function readPair(certFile: string, keyFile: string, selfSigned: boolean): Promise<ServerTls> {
  const cert = await readOne(certFile, 'certificate');
  const key = await readOne(keyFile, 'private key');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (cause) {
    throw new TlsError('invalid_certificate', `the TLS certificate ${certFile} holds no PEM certificate`, { cause });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (cause) {
    throw new TlsError('invalid_key', `the TLS private key ${keyFile} holds no unencrypted PEM private key`, { cause });
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new TlsError('key_mismatch', `the TLS private key ${keyFile} does not belong to the certificate ${certFile}`);
  }
  return { cert, key, certFile, keyFile, fingerprint: certificate.fingerprint256, selfSigned };
}

async function readOne(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new TlsError('unreadable_file', `cannot read the TLS ${what} ${file} (${reason})`, { cause });
  }
}
