import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { makePrivateDir } from '../privateDir.js';
import { promisify } from 'node:util';
import { certificateNameKind } from './names.js';
import { TlsError } from './tlsError.js';

const run = promisify(execFile);

/** A certificate is replaced once it has this little validity left. */
const renewBeforeMs = 24 * 60 * 60 * 1000;

export interface SelfSignedOptions {
  /** Directory that holds `cert.pem` and `key.pem`; created with mode 0700 if missing. Required. */
  dir: string;
  /**
   * IP addresses and DNS names the certificate is for (its subjectAltName); the first is also
   * its common name. At least one. Required.
   */
  names: readonly string[];
  /** Days a newly generated certificate is valid. Default 30. */
  validityDays?: number;
}

export interface SelfSigned {
  /** The PEM certificate, `<dir>/cert.pem`. */
  certFile: string;
  /** The PEM private key (P-256, unencrypted, mode 0600), `<dir>/key.pem`. */
  keyFile: string;
  /** SHA-256 fingerprint of the certificate, colon-separated hex pairs as browsers show it. */
  fingerprint: string;
}

/**
 * A self-signed certificate for `names` in `dir`: the one already there if it covers every name,
 * belongs to the key beside it and is valid for more than a day, else a new one made with the
 * `openssl` command. Throws `TlsError` (`invalid_name`, `openssl_failed`).
 */
export async function generateSelfSigned(options: SelfSignedOptions): Promise<SelfSigned> {
  const { dir, names, validityDays = 30 } = options;
  if (names.length === 0) throw new TlsError('invalid_name', 'a self-signed certificate needs at least one IP address or DNS name');
  const altNames = names.map((name) => {
    const kind = certificateNameKind(name);
    if (!kind) throw new TlsError('invalid_name', `${JSON.stringify(name)} is neither an IP address nor a DNS name`);
    return `${kind === 'ip' ? 'IP' : 'DNS'}:${name}`;
  });
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  await makePrivateDir(dir);

  const existing = await reusable(certFile, keyFile, names);
  if (existing) return { certFile, keyFile, fingerprint: existing.fingerprint256 };

  // Generated beside the final files and renamed into place, so a reader never sees half a file.
  const work = await mkdtemp(path.join(dir, '.new-'));
  try {
    const newCert = path.join(work, 'cert.pem');
    const newKey = path.join(work, 'key.pem');
    await openssl([
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', String(validityDays),
      '-subj', `/CN=${names[0]}`,
      '-addext', `subjectAltName=${altNames.join(',')}`,
      // A leaf, not a CA: browsers refuse a CA certificate used as a server's own.
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature',
      '-addext', 'extendedKeyUsage=serverAuth',
      '-keyout', newKey, '-out', newCert,
    ]);
    await chmod(newKey, 0o600);
    await rename(newKey, keyFile);
    await rename(newCert, certFile);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const created = new X509Certificate(await readFile(certFile));
  return { certFile, keyFile, fingerprint: created.fingerprint256 };
}

/** The certificate in `certFile` if it can serve `names` for more than a day with `keyFile`. */
async function reusable(certFile: string, keyFile: string, names: readonly string[]): Promise<X509Certificate | undefined> {
  try {
    const cert = new X509Certificate(await readFile(certFile));
    const key = createPrivateKey(await readFile(keyFile));
    if (!cert.checkPrivateKey(key)) return undefined;
    if (new Date(cert.validTo).getTime() - Date.now() <= renewBeforeMs) return undefined;
    const covers = names.every((name) =>
      certificateNameKind(name) === 'ip' ? cert.checkIP(name) !== undefined : cert.checkHost(name, { subject: 'never' }) !== undefined,
    );
    return covers ? cert : undefined;
  } catch {
    // Missing or unparsable: make a new one.
    return undefined;
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (cause) {
    const error = cause as NodeJS.ErrnoException & { stderr?: string };
    const detail = error.code === 'ENOENT' ? 'the openssl command is not installed' : (error.stderr?.trim() || error.message);
    throw new TlsError('openssl_failed', `cannot generate a self-signed certificate: ${detail}`, { cause });
  }
}
