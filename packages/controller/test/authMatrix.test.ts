import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeIssuer, unsecuredToken } from '../src/test-support/fakeIssuer.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

/**
 * Every way a request can fail authentication, against the real HTTP server and an external
 * OpenID provider. Each refusal case would pass if the verifier skipped the check it names.
 */

let issuer: FakeIssuer;
let other: FakeIssuer;
let test: TestApp;
/** Every token handed to the controller, to check none of them reaches its logs. */
const sent: string[] = [];

beforeAll(async () => {
  [issuer, other] = await Promise.all([FakeIssuer.start(), FakeIssuer.start()]);
  test = await startTestApp({ env: { PLENUM_OIDC_ISSUER: issuer.url, PLENUM_OIDC_AUDIENCE: 'plenum' } });
});

afterAll(async () => {
  await test.close();
  await Promise.all([issuer.close(), other.close()]);
});

function me(authorization?: string): Promise<Response> {
  if (authorization) sent.push(authorization);
  return fetch(`${test.baseUrl}/v1/users/me`, { headers: authorization === undefined ? {} : { authorization } });
}

const bearer = (token: string) => me(`Bearer ${token}`);

/** The response is a 401 with a Bearer challenge and exactly `{code, message}` with `code`. */
async function expectRefused(response: Response, code: 'unauthorized' | 'invalid_token' | 'token_expired'): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'message']);
  expect(body.code).toBe(code);
  expect(body.message).toEqual(expect.any(String));
}

/** A character of base64url other than `c`. */
const other64 = (c: string) => (c === 'A' ? 'B' : 'A');

describe('authentication with an external OpenID provider', () => {
  it('accepts a valid token and creates the user from its claims', async () => {
    const token = await issuer.mint({ sub: 'alice-1', name: 'Alice Liddell', email: 'Alice@Example.org', email_verified: true });
    const response = await bearer(token);
    expect(response.status).toBe(200);
    const user = (await response.json()) as Record<string, unknown>;
    expect(user).toMatchObject({ displayName: 'Alice Liddell', email: 'alice@example.org' });
    expect(user.id).toEqual(expect.any(String));

    // The same subject again is the same user.
    const again = (await (await bearer(await issuer.mint({ sub: 'alice-1', name: 'Alice Liddell', email: 'alice@example.org', email_verified: true }))).json()) as Record<string, unknown>;
    expect(again.id).toBe(user.id);
  });

  it('refuses a request without an Authorization header', async () => {
    await expectRefused(await me(), 'unauthorized');
  });

  it('refuses an Authorization header of another scheme (Basic)', async () => {
    await expectRefused(await me('Basic xyz'), 'invalid_token');
  });

  it('refuses "Bearer" without a token', async () => {
    await expectRefused(await me('Bearer'), 'invalid_token');
  });

  it('refuses a token that expired ten minutes ago, as token_expired', async () => {
    await expectRefused(await bearer(await issuer.mint({}, { iat: -3600, exp: -600 })), 'token_expired');
  });

  it('refuses a token that becomes valid only in ten minutes', async () => {
    await expectRefused(await bearer(await issuer.mint({}, { nbf: 600 })), 'invalid_token');
  });

  it('refuses a token naming another issuer', async () => {
    await expectRefused(await bearer(await issuer.mint({ iss: other.url })), 'invalid_token');
  });

  it('refuses a token for another audience', async () => {
    await expectRefused(await bearer(await issuer.mint({ aud: 'some-other-api' })), 'invalid_token');
  });

  it('refuses a token whose signature was altered', async () => {
    const token = await issuer.mint();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    // A character in the middle: the last one may only carry padding bits.
    const at = Math.floor(signature.length / 2);
    const altered = `${signature.slice(0, at)}${other64(signature.charAt(at))}${signature.slice(at + 1)}`;
    await expectRefused(await bearer(`${header}.${payload}.${altered}`), 'invalid_token');
  });

  it('refuses an unsecured token (alg none)', async () => {
    await expectRefused(await bearer(unsecuredToken(issuer.claims())), 'invalid_token');
    await expectRefused(await bearer(unsecuredToken(issuer.claims(), { alg: 'none', kid: issuer.kid })), 'invalid_token');
  });

  it('refuses a token signed with a key the provider does not publish', async () => {
    await expectRefused(await bearer(await issuer.mint({}, { key: 'unpublished' })), 'invalid_token');
  });

  it("refuses a token signed by another provider's key that claims the provider's issuer and kid", async () => {
    const forged = await other.mint({ iss: issuer.url }, { kid: issuer.kid });
    await expectRefused(await bearer(forged), 'invalid_token');
  });

  it("refuses an HS256 token keyed with the provider's public key (algorithm confusion)", async () => {
    const secret = new TextEncoder().encode(await issuer.publicKeyPem());
    await expectRefused(await bearer(await issuer.mint({}, { alg: 'HS256', key: secret, kid: issuer.kid })), 'invalid_token');
  });

  it('refuses a token signed with the published key but an algorithm outside the allow-list (RS512)', async () => {
    await expectRefused(await bearer(await issuer.mint({}, { alg: 'RS512' })), 'invalid_token');
  });

  it('refuses a token without a subject', async () => {
    await expectRefused(await bearer(await issuer.mint({ sub: undefined })), 'invalid_token');
  });

  it('refuses a token with an empty subject', async () => {
    await expectRefused(await bearer(await issuer.mint({ sub: '' })), 'invalid_token');
  });

  it('refuses a token without an expiry', async () => {
    await expectRefused(await bearer(await issuer.mint({ exp: undefined })), 'invalid_token');
  });

  it('refuses a string that is not a JWT', async () => {
    await expectRefused(await bearer('not-a-jwt'), 'invalid_token');
  });
});

describe('known bugs (remove `.fails` once fixed)', () => {
  // tokenVerifier.ts passes control characters in `name` through; DisplayName forbids them, so
  // the response fails its schema (500), and a NUL byte makes PostgreSQL refuse the insert.
  it('accepts a token whose name contains control characters', async () => {
    const response = await bearer(await issuer.mint({ sub: 'bell-1', name: 'Eve\u0007\nBell' }));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { displayName: string }).displayName).not.toMatch(/\p{Cc}/u);
  });

  // config.ts strips the trailing slash of PLENUM_OIDC_ISSUER, so a provider whose issuer ends
  // with "/" (e.g. Auth0) fails the exact issuer comparison of discovery: every request is a 503.
  it('accepts tokens of a provider whose issuer ends with a slash', async () => {
    const slashed = await FakeIssuer.start();
    slashed.discoveryIssuer = `${slashed.url}/`;
    const app = await startTestApp({ env: { PLENUM_OIDC_ISSUER: `${slashed.url}/` } });
    try {
      const token = await slashed.mint({ iss: `${slashed.url}/` });
      const response = await fetch(`${app.baseUrl}/v1/users/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
    } finally {
      await app.close();
      await slashed.close();
    }
  });
});

describe('routes that need no token', () => {
  it('serves /healthz', async () => {
    const response = await fetch(`${test.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('serves /v1/openapi.json', async () => {
    const response = await fetch(`${test.baseUrl}/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ openapi: '3.1.0' });
  });

  it('serves /metrics', async () => {
    const response = await fetch(`${test.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('plenum_http_request_duration_seconds');
  });

  it('answers an unknown /v1 path without a token with a bare JSON error', async () => {
    const response = await fetch(`${test.baseUrl}/v1/no-such-thing?access_token=secret-value`, {
      headers: { accept: 'text/html,application/json' },
    });
    expect([401, 404]).toContain(response.status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['code', 'message']);
    expect(text).not.toContain('secret-value');
    expect(text).not.toMatch(/stack|at \/|node_modules/i);
  });
});

describe('logs', () => {
  it('contain none of the tokens sent', () => {
    expect(sent.length).toBeGreaterThan(10);
    const logs = test.logs.join('\n');
    for (const authorization of sent) {
      const token = authorization.replace(/^\S+\s*/, '');
      if (token.length > 20) expect(logs.includes(token), 'a token sent to the controller appears in its logs').toBe(false);
    }
  });
});
