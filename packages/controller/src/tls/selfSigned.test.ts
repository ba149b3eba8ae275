import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSelfSigned } from './selfSigned.js';
import { TlsError } from './tlsError.js';

const dirs: string[] = [];
function freshDir(): string {
  const parent = mkdtempSync(path.join(tmpdir(), 'plenum-tls-'));
  dirs.push(parent);
  return path.join(parent, 'tls');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('generateSelfSigned', () => {
  it('makes a certificate for every IP address and DNS name, the first as common name', async () => {
    const dir = freshDir();
    const result = await generateSelfSigned({ dir, names: ['192.168.1.20', 'plenum.lan', '::1'] });
    expect(result.certFile).toBe(path.join(dir, 'cert.pem'));
    expect(result.keyFile).toBe(path.join(dir, 'key.pem'));
    const cert = new X509Certificate(readFileSync(result.certFile));
    expect(cert.subject).toBe('CN=192.168.1.20');
    expect(cert.checkIP('192.168.1.20')).toBe('192.168.1.20');
    expect(cert.checkIP('::1')).toBeDefined();
    expect(cert.checkHost('plenum.lan', { subject: 'never' })).toBe('plenum.lan');
    expect(cert.ca).toBe(false);
    expect(result.fingerprint).toBe(cert.fingerprint256);
    expect(result.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('writes the key readable by its owner only, in a directory only its owner enters', async () => {
    const dir = freshDir();
    const { keyFile } = await generateSelfSigned({ dir, names: ['localhost'] });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('is valid for 30 days by default', async () => {
    const { certFile } = await generateSelfSigned({ dir: freshDir(), names: ['localhost'] });
    const cert = new X509Certificate(readFileSync(certFile));
    const days = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
  });

  it('reuses the certificate in the directory when it covers the names asked for', async () => {
    const dir = freshDir();
    const first = await generateSelfSigned({ dir, names: ['10.0.0.5', 'plenum.lan'] });
    const again = await generateSelfSigned({ dir, names: ['plenum.lan'] });
    expect(again.fingerprint).toBe(first.fingerprint);
  });

  it('replaces the certificate when a name is not covered', async () => {
    const dir = freshDir();
    const first = await generateSelfSigned({ dir, names: ['10.0.0.5'] });
    const second = await generateSelfSigned({ dir, names: ['10.0.0.5', '10.0.0.6'] });
    expect(second.fingerprint).not.toBe(first.fingerprint);
    expect(new X509Certificate(readFileSync(second.certFile)).checkIP('10.0.0.6')).toBe('10.0.0.6');
  });

  it('replaces a certificate with a day or less left', async () => {
    const dir = freshDir();
    const first = await generateSelfSigned({ dir, names: ['localhost'], validityDays: 1 });
    const second = await generateSelfSigned({ dir, names: ['localhost'] });
    expect(second.fingerprint).not.toBe(first.fingerprint);
  });

  it('replaces a certificate whose key file does not belong to it, or that is not a certificate', async () => {
    const dir = freshDir();
    const first = await generateSelfSigned({ dir, names: ['localhost'] });
    const other = await generateSelfSigned({ dir: freshDir(), names: ['localhost'] });
    writeFileSync(first.keyFile, readFileSync(other.keyFile));
    const second = await generateSelfSigned({ dir, names: ['localhost'] });
    expect(second.fingerprint).not.toBe(first.fingerprint);
    writeFileSync(second.certFile, 'not a certificate');
    const third = await generateSelfSigned({ dir, names: ['localhost'] });
    expect(new X509Certificate(readFileSync(third.certFile)).fingerprint256).toBe(third.fingerprint);
  });

  it('refuses names that are neither IP addresses nor DNS names, and an empty list', async () => {
    for (const name of ['/CN=evil', 'a b', 'x,IP:1.2.3.4', '-leading.example', '*.example.org', '']) {
      await expect(generateSelfSigned({ dir: freshDir(), names: [name] })).rejects.toMatchObject({ code: 'invalid_name' });
    }
    await expect(generateSelfSigned({ dir: freshDir(), names: [] })).rejects.toBeInstanceOf(TlsError);
  });
});
