import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

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
