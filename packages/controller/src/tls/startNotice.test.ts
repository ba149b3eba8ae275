import { describe, expect, it } from 'vitest';
import type { ServerTls } from './serverTls.js';
import { tlsStartLines } from './startNotice.js';

const tls: ServerTls = {
  cert: Buffer.alloc(0),
  key: Buffer.alloc(0),
  certFile: '/var/lib/plenum/tls/cert.pem',
  keyFile: '/var/lib/plenum/tls/key.pem',
  fingerprint: 'AB:CD',
  selfSigned: true,
};

describe('tlsStartLines', () => {
  it('tells the user of a self-signed certificate the URL, the warning to expect and the fingerprint to compare', () => {
    const text = tlsStartLines(tls, 'https://192.168.1.20:8443').join('\n');
    expect(text).toContain('Open https://192.168.1.20:8443');
    expect(text).toContain('the browser will warn');
    expect(text).toContain('SHA-256 fingerprint');
    expect(text).toContain('    AB:CD');
  });

  it("names the operator's certificate file and its fingerprint", () => {
    const text = tlsStartLines({ ...tls, selfSigned: false, certFile: '/etc/plenum/cert.pem' }, 'https://meet.example.org').join('\n');
    expect(text).toContain('/etc/plenum/cert.pem');
    expect(text).toContain('AB:CD');
    expect(text).not.toContain('warn');
  });
});
