import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSelfSigned } from './selfSigned.js';
import { loadServerTls } from './serverTls.js';

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'plenum-server-tls-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadServerTls', () => {
  it('gives nothing for plain HTTP', async () => {
    expect(await loadServerTls({ kind: 'off' })).toBeUndefined();
  });

  it("reads the operator's certificate and key, with the certificate's fingerprint", async () => {
    const made = await generateSelfSigned({ dir: path.join(freshDir(), 'own'), names: ['meet.example.org'] });
    const tls = await loadServerTls({ kind: 'files', certFile: made.certFile, keyFile: made.keyFile });
    expect(tls).toMatchObject({ certFile: made.certFile, keyFile: made.keyFile, fingerprint: made.fingerprint, selfSigned: false });
    expect(tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(tls?.key.toString()).toContain('PRIVATE KEY');
  });

  it('generates a self-signed certificate in the directory and says it is self-signed', async () => {
    const dir = path.join(freshDir(), 'tls');
    const tls = await loadServerTls({ kind: 'selfSigned', names: ['127.0.0.1'], dir });
    expect(tls).toMatchObject({ certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem'), selfSigned: true });
  });

  it('names a file that cannot be read', async () => {
    const made = await generateSelfSigned({ dir: path.join(freshDir(), 'own'), names: ['localhost'] });
    const missing = path.join(freshDir(), 'missing.pem');
    await expect(loadServerTls({ kind: 'files', certFile: missing, keyFile: made.keyFile })).rejects.toMatchObject({
      code: 'unreadable_file',
      message: `cannot read the TLS certificate ${missing} (ENOENT)`,
    });
    await expect(loadServerTls({ kind: 'files', certFile: made.certFile, keyFile: missing })).rejects.toMatchObject({
      code: 'unreadable_file',
      message: `cannot read the TLS private key ${missing} (ENOENT)`,
    });
  });

  it('names a certificate file without a certificate and a key file without a key', async () => {
    const made = await generateSelfSigned({ dir: path.join(freshDir(), 'own'), names: ['localhost'] });
    const junk = path.join(freshDir(), 'junk.pem');
    writeFileSync(junk, 'hello');
    await expect(loadServerTls({ kind: 'files', certFile: junk, keyFile: made.keyFile })).rejects.toMatchObject({
      code: 'invalid_certificate',
      message: `the TLS certificate ${junk} holds no PEM certificate`,
    });
    await expect(loadServerTls({ kind: 'files', certFile: made.certFile, keyFile: junk })).rejects.toMatchObject({
      code: 'invalid_key',
      message: `the TLS private key ${junk} holds no unencrypted PEM private key`,
    });
  });

  it('refuses a key that does not belong to the certificate', async () => {
    const one = await generateSelfSigned({ dir: path.join(freshDir(), 'one'), names: ['localhost'] });
    const two = await generateSelfSigned({ dir: path.join(freshDir(), 'two'), names: ['localhost'] });
    await expect(loadServerTls({ kind: 'files', certFile: one.certFile, keyFile: two.keyFile })).rejects.toMatchObject({
      code: 'key_mismatch',
      message: `the TLS private key ${two.keyFile} does not belong to the certificate ${one.certFile}`,
    });
  });
});
