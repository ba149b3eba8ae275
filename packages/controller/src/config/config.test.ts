import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../test-support/configProblems.js';
import { loadConfig } from './config.js';


describe('configuration', () => {
  it('runs on embedded defaults with no variables at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      publicUrl: 'http://localhost:8080',
      databaseUrl: undefined,
      redisUrl: undefined,
      amqpUrl: undefined,
      ticketTtlSeconds: 30,
    });
    expect(config.oidc).toMatchObject({ externalIssuer: undefined, issuer: 'http://localhost:8080/idp', audience: 'plenum' });
  });

  it('derives the public URL and dev issuer from the port', () => {
    expect(loadConfig({ PLENUM_PORT: '9000' }).oidc.issuer).toBe('http://localhost:9000/idp');
  });

  it('uses an external issuer exactly as configured, trailing slash included', () => {
    const config = loadConfig({ PLENUM_OIDC_ISSUER: 'https://keycloak.example/realms/plenum/' });
    expect(config.oidc).toMatchObject({
      externalIssuer: 'https://keycloak.example/realms/plenum/',
      issuer: 'https://keycloak.example/realms/plenum/',
    });
  });

  it('names the variable, the problem and the value for a bad port', () => {
    const [problem] = problemsOf({ PLENUM_PORT: 'eighty' });
    expect(problem).toMatch(/^PLENUM_PORT: /);
    expect(problem).toContain('"eighty"');
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ PLENUM_DATABASE_URL: 'mysql://x', PLENUM_REDIS_URL: 'http://x', PLENUM_LOG_LEVEL: 'loud' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/PLENUM_DATABASE_URL: must start with postgres:\/\/ or postgresql:\/\//);
    expect(problems.join('\n')).toMatch(/PLENUM_REDIS_URL/);
    expect(problems.join('\n')).toMatch(/PLENUM_LOG_LEVEL/);
  });

  it('refuses unknown PLENUM_ variables, which are usually typos', () => {
    expect(problemsOf({ PLENUM_PROT: '8080' })).toEqual(['PLENUM_PROT: unknown setting (see docs/configuration.md)']);
  });

  it('refuses the none and HMAC algorithms for access tokens', () => {
    expect(problemsOf({ PLENUM_OIDC_ALGORITHMS: 'RS256,none' })[0]).toMatch(/^PLENUM_OIDC_ALGORITHMS/);
    expect(problemsOf({ PLENUM_OIDC_ALGORITHMS: 'HS256' })[0]).toMatch(/^PLENUM_OIDC_ALGORITHMS/);
  });

  it('reads a JSON file, and the environment wins over it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plenum-config-'));
    const file = path.join(dir, 'plenum.json');
    writeFileSync(file, JSON.stringify({ PLENUM_PORT: 7000, PLENUM_TICKET_TTL: 20 }));
    const config = loadConfig({ PLENUM_CONFIG_FILE: file, PLENUM_TICKET_TTL: '10' });
    expect(config.port).toBe(7000);
    expect(config.ticketTtlSeconds).toBe(10);
  });

  it('explains a config file that is not JSON', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plenum-config-'));
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{ PLENUM_PORT: ');
    expect(problemsOf({ PLENUM_CONFIG_FILE: file })[0]).toMatch(/^PLENUM_CONFIG_FILE: .* is not valid JSON/);
  });

  it('ignores PLENUM_TEST_ variables, which belong to the test suite', () => {
    expect(() => loadConfig({ PLENUM_TEST_DATABASE_URL: 'postgres://x' })).not.toThrow();
  });
});

describe('configuration: HTTPS', () => {
  it('serves plain HTTP without TLS settings', () => {
    const config = loadConfig({ PLENUM_PORT: '8443' });
    expect(config.tls).toEqual({ kind: 'off' });
    expect(config.publicUrl).toBe('http://localhost:8443');
  });

  it('serves HTTPS with a certificate and key, and the default public URL and dev issuer become https', () => {
    const config = loadConfig({ PLENUM_PORT: '8443', PLENUM_TLS_CERT: 'tls/cert.pem', PLENUM_TLS_KEY: '/etc/plenum/key.pem' });
    expect(config.tls).toEqual({ kind: 'files', certFile: path.resolve('tls/cert.pem'), keyFile: '/etc/plenum/key.pem' });
    expect(config.publicUrl).toBe('https://localhost:8443');
    expect(config.oidc.issuer).toBe('https://localhost:8443/idp');
  });

  it('keeps an explicit public URL when serving HTTPS', () => {
    const config = loadConfig({ PLENUM_TLS_SELF_SIGNED: '10.0.0.5', PLENUM_PUBLIC_URL: 'https://meet.example.org/' });
    expect(config.publicUrl).toBe('https://meet.example.org');
  });

  it('refuses a certificate without a key, and a key without a certificate, naming both', () => {
    const halves: Record<string, string>[] = [{ PLENUM_TLS_CERT: 'cert.pem' }, { PLENUM_TLS_KEY: 'key.pem' }];
    for (const env of halves) {
      const problems = problemsOf(env);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^PLENUM_TLS_(CERT|KEY): needs PLENUM_TLS_(CERT|KEY) too/);
      expect(problems[0]).toContain('PLENUM_TLS_CERT and PLENUM_TLS_KEY');
    }
  });

  it('generates a self-signed certificate in <data dir>/tls for the names, the first in the public URL', () => {
    const config = loadConfig({ PLENUM_PORT: '8443', PLENUM_DATA_DIR: '/var/lib/plenum', PLENUM_TLS_SELF_SIGNED: ' 192.168.1.20, plenum.lan ' });
    expect(config.tls).toEqual({ kind: 'selfSigned', names: ['192.168.1.20', 'plenum.lan'], dir: '/var/lib/plenum/tls' });
    expect(config.publicUrl).toBe('https://192.168.1.20:8443');
  });

  it('puts an IPv6 address of a self-signed certificate in brackets in the public URL', () => {
    expect(loadConfig({ PLENUM_PORT: '8443', PLENUM_TLS_SELF_SIGNED: 'fd00::5' }).publicUrl).toBe('https://[fd00::5]:8443');
  });

  it('refuses self-signed names that are neither IP addresses nor DNS names', () => {
    expect(problemsOf({ PLENUM_TLS_SELF_SIGNED: 'plenum.lan,/CN=x' })[0]).toMatch(/^PLENUM_TLS_SELF_SIGNED: must be IP addresses or DNS names/);
    expect(problemsOf({ PLENUM_TLS_SELF_SIGNED: ',' })[0]).toMatch(/^PLENUM_TLS_SELF_SIGNED: /);
  });

  it('refuses a self-signed certificate together with PLENUM_TLS_CERT and PLENUM_TLS_KEY', () => {
    const problems = problemsOf({ PLENUM_TLS_SELF_SIGNED: 'plenum.lan', PLENUM_TLS_CERT: 'cert.pem', PLENUM_TLS_KEY: 'key.pem' });
    expect(problems).toEqual([expect.stringMatching(/^PLENUM_TLS_SELF_SIGNED: conflicts with PLENUM_TLS_CERT/)]);
  });
});

describe('configuration: dev identity provider on a reachable address', () => {
  it('refuses the default dev password when the server binds a non-loopback address', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'plenum.lan']) {
      const problems = problemsOf({ PLENUM_HOST: host });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^PLENUM_DEV_PASSWORD: is the default "plenum"/);
      expect(problems[0]).toContain('set PLENUM_DEV_PASSWORD');
      expect(problems[0]).toContain('PLENUM_OIDC_ISSUER');
    }
  });

  it('refuses the default password also when it is set explicitly, without echoing it', () => {
    const [problem] = problemsOf({ PLENUM_HOST: '0.0.0.0', PLENUM_DEV_PASSWORD: 'plenum' });
    expect(problem).toMatch(/^PLENUM_DEV_PASSWORD: /);
    expect(problem).toMatch(/got "\*\*\*"$/);
  });

  it('accepts the default password on loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST']) {
      expect(() => loadConfig({ PLENUM_HOST: host }), host).not.toThrow();
    }
  });

  it('accepts a reachable address with a password of its own or with an external issuer', () => {
    expect(() => loadConfig({ PLENUM_HOST: '0.0.0.0', PLENUM_DEV_PASSWORD: 'a-secret-of-ours' })).not.toThrow();
    expect(() => loadConfig({ PLENUM_HOST: '0.0.0.0', PLENUM_OIDC_ISSUER: 'https://id.example.org/realms/plenum' })).not.toThrow();
  });
});
