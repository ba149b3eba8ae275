import { afterEach, describe, expect, it } from 'vitest';
import { FakeIssuer } from '../test-support/fakeIssuer.js';
import { freePort } from '../test-support/freePort.js';
import { TokenError, TokenVerifier, type TokenProblem, type TokenVerifierOptions } from './tokenVerifier.js';

const issuers: FakeIssuer[] = [];

async function startIssuer(options: { port?: number } = {}): Promise<FakeIssuer> {
  const issuer = await FakeIssuer.start(options);
  issuers.push(issuer);
  return issuer;
}

afterEach(async () => {
  await Promise.all(issuers.splice(0).map((issuer) => issuer.close()));
});

function verifierFor(issuer: string, options: Partial<TokenVerifierOptions> = {}): TokenVerifier {
  return new TokenVerifier({
    issuer,
    audience: 'plenum',
    algorithms: ['RS256'],
    clockToleranceSeconds: 5,
    ...options,
  });
}

/** The promise rejects with a `TokenError` of `problem`. */
async function expectProblem(promise: Promise<unknown>, problem: TokenProblem): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TokenError);
  expect((error as TokenError).code).toBe(problem);
}

describe('TokenVerifier keys', () => {
  it('accepts a token signed with a rotated key, refetching the JWKS on the unknown kid', async () => {
    const issuer = await startIssuer();
    const verifier = verifierFor(issuer.url, { keyRefetchCooldownMs: 0 });
    await expect(verifier.verify(await issuer.mint({ sub: 'before' }))).resolves.toMatchObject({ subject: 'before' });
    expect(issuer.jwksFetches).toBe(1);

    await issuer.rotate();
    await expect(verifier.verify(await issuer.mint({ sub: 'after' }))).resolves.toMatchObject({ subject: 'after' });
    expect(issuer.jwksFetches).toBe(2);
    expect(issuer.discoveryFetches).toBe(1);
  });

  it('does not refetch the JWKS for unknown kids within the cooldown', async () => {
    const issuer = await startIssuer();
    const verifier = verifierFor(issuer.url);
    await verifier.verify(await issuer.mint());
    for (let i = 0; i < 3; i++) {
      await expectProblem(verifier.verify(await issuer.mint({}, { key: 'unpublished' })), 'invalid_token');
    }
    expect(issuer.jwksFetches).toBe(1);
  });
});

describe('TokenVerifier discovery', () => {
  it('refuses a provider whose discovery names another issuer, without fetching its keys', async () => {
    const issuer = await startIssuer();
    issuer.discoveryIssuer = 'http://127.0.0.1:9/elsewhere';
    const verifier = verifierFor(issuer.url);
    await expectProblem(verifier.verify(await issuer.mint()), 'provider_unavailable');
    expect(issuer.jwksFetches).toBe(0);
  });

  it('reports an unreachable provider as provider_unavailable and retries discovery later', async () => {
    const port = await freePort();
    const verifier = verifierFor(`http://127.0.0.1:${port}`);
    await expectProblem(verifier.verify('a.b.c'), 'provider_unavailable');

    const issuer = await startIssuer({ port });
    await expect(verifier.verify(await issuer.mint({ sub: 'later' }))).resolves.toMatchObject({ subject: 'later' });
    expect(issuer.discoveryFetches).toBe(1);
  });

  it('reports a provider answering HTTP 503 to discovery as provider_unavailable', async () => {
    const issuer = await startIssuer();
    issuer.outage = true;
    const verifier = verifierFor(issuer.url);
    await expectProblem(verifier.verify(await issuer.mint()), 'provider_unavailable');
    issuer.outage = false;
    await expect(verifier.verify(await issuer.mint())).resolves.toMatchObject({ subject: 'user-1' });
  });

  // KNOWN BUG (tokenVerifier.ts, toTokenError): a failed JWKS fetch after discovery is reported
  // as `invalid_token`, so clients are told their token is bad when the provider is down.
  // Remove `.fails` once key-fetch failures map to `provider_unavailable`.
  it('reports a failing key fetch as provider_unavailable, not as an invalid token', async () => {
    const issuer = await startIssuer();
    const verifier = verifierFor(issuer.url, { keyRefetchCooldownMs: 0 });
    await verifier.verify(await issuer.mint());
    await issuer.rotate();
    issuer.outage = true;
    await expectProblem(verifier.verify(await issuer.mint()), 'provider_unavailable');
  });
});

describe('TokenVerifier claims', () => {
  it('maps sub, issuer, name, lower-cased email and expiry', async () => {
    const issuer = await startIssuer();
    const verifier = verifierFor(issuer.url);
    const exp = Math.floor(Date.now() / 1000) + 120;
    const verified = await verifier.verify(
      await issuer.mint({ sub: 's-1', name: '  Ada Lovelace ', preferred_username: 'ada', email: 'Ada.Lovelace@Example.COM', email_verified: true, exp }),
    );
    expect(verified).toEqual({
      issuer: issuer.url,
      subject: 's-1',
      name: 'Ada Lovelace',
      email: 'ada.lovelace@example.com',
      expiresAt: new Date(exp * 1000),
    });
  });

  it('takes preferred_username when there is no name, and the subject when there is neither', async () => {
    const issuer = await startIssuer();
    const verifier = verifierFor(issuer.url);
    await expect(verifier.verify(await issuer.mint({ sub: 's-2', preferred_username: 'grace' }))).resolves.toMatchObject({
      name: 'grace',
      email: null,
    });
    await expect(verifier.verify(await issuer.mint({ sub: 's-3' }))).resolves.toMatchObject({ name: 's-3', email: null });
  });

  it('ignores an e-mail address the provider does not mark as verified', async () => {
    const issuer = await startIssuer();
    const verifier = verifierFor(issuer.url);
    await expect(verifier.verify(await issuer.mint({ email: 'bob@example.org' }))).resolves.toMatchObject({ email: null });
    await expect(verifier.verify(await issuer.mint({ email: 'bob@example.org', email_verified: false }))).resolves.toMatchObject({
      email: null,
    });
  });

  it('shortens a long name to 100 characters', async () => {
    const issuer = await startIssuer();
    const verifier = verifierFor(issuer.url);
    const verified = await verifier.verify(await issuer.mint({ name: 'x'.repeat(150) }));
    expect(verified.name).toBe('x'.repeat(100));
  });

  it('refuses a token whose claims have the wrong types', async () => {
    const issuer = await startIssuer();
    const verifier = verifierFor(issuer.url);
    await expectProblem(verifier.verify(await issuer.mint({ email: 42 })), 'invalid_token');
  });
});
