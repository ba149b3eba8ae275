import { CodedError } from '../errors.js';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { z } from 'zod';

/** Who a verified access token says the caller is. */
export interface VerifiedToken {
  issuer: string;
  subject: string;
  name: string;
  email: string | null;
  expiresAt: Date;
}

/** `provider_unavailable`: discovery or key fetch failed; the token may be fine. */
export type TokenProblem = 'invalid_token' | 'token_expired' | 'provider_unavailable';

/** Why a token was refused; `message` is safe to show to the client. */
export class TokenError extends CodedError<TokenProblem> {
  override readonly name = 'TokenError';
}

export interface TokenVerifierOptions {
  /** Issuer URL; `<issuer>/.well-known/openid-configuration` must name the same issuer. */
  issuer: string;
  /** Required `aud` value. */
  audience: string;
  /** Accepted JWS algorithms; `none` and HMAC are never accepted. */
  algorithms: string[];
  /** Allowed clock skew for `exp`/`nbf`, in seconds. */
  clockToleranceSeconds: number;
  /** How long fetched keys are trusted before a refetch, in ms. Default 10 minutes. */
  keyCacheMaxAgeMs?: number;
  /** Minimum pause between two key refetches (unknown `kid`), in ms. Default 30 s. */
  keyRefetchCooldownMs?: number;
  /** The provider's public keys when it runs in this process (the dev provider): no discovery. Default: discovery. */
  localKeys?: JSONWebKeySet;
  /** Ignore the `email` claim unless `email_verified` is true. Default true. */
  requireVerifiedEmail?: boolean;
}

type KeySet = ReturnType<typeof createRemoteJWKSet> | ReturnType<typeof createLocalJWKSet>;

const Discovery = z.object({ issuer: z.string(), jwks_uri: z.url() });

const Claims = z.object({
  sub: z.string().min(1).max(255),
  exp: z.number(),
  name: z.string().max(200).optional(),
  preferred_username: z.string().max(200).optional(),
  email: z.string().max(254).optional(),
  email_verified: z.boolean().optional(),
});

/** Names end up in the database and on screens: no control characters, at most 100 characters. */
function cleanName(value: string | undefined): string {
  return (value ?? '').replace(/\p{Cc}/gu, ' ').trim().slice(0, 100);
}

/**
 * Verifies OpenID Connect access tokens (JWT) of one provider, found by discovery. Keys come
 * from the provider's JWKS, cached and refetched when a token names an unknown `kid`.
 */
export class TokenVerifier {
  readonly #options: TokenVerifierOptions;
  #keys: Promise<KeySet> | undefined;

  constructor(options: TokenVerifierOptions) {
    this.#options = { ...options, requireVerifiedEmail: options.requireVerifiedEmail ?? true };
  }

  async verify(token: string): Promise<VerifiedToken> {
    const keys = await this.#jwks();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        algorithms: this.#options.algorithms,
        clockTolerance: this.#options.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (cause) {
      throw toTokenError(cause);
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) throw new TokenError('invalid_token', 'token claims are malformed');
    const { sub, exp, name, preferred_username, email, email_verified } = claims.data;
    const trustEmail = email_verified === true || !this.#options.requireVerifiedEmail;
    return {
      issuer: this.#options.issuer,
      subject: sub,
      name: cleanName(name) || cleanName(preferred_username) || cleanName(sub) || 'Unnamed',
      // Invitations are matched by e-mail, so only an address the provider vouches for counts.
      email: trustEmail ? (email?.toLowerCase() ?? null) : null,
      expiresAt: new Date(exp * 1000),
    };
  }

  /** Discovery runs on first use; a failed discovery is retried on the next call. */
  #jwks(): Promise<KeySet> {
    const local = this.#options.localKeys;
    if (local) return (this.#keys ??= Promise.resolve(createLocalJWKSet(local)));
    this.#keys ??= this.#discover().catch((cause: unknown) => {
      this.#keys = undefined;
      throw new TokenError('provider_unavailable', 'identity provider unavailable', { cause });
    });
    return this.#keys;
  }

  async #discover(): Promise<KeySet> {
    // The issuer is compared exactly as configured (some end in "/"); only the URL drops it.
    const base = this.#options.issuer.replace(/\/+$/, '');
    const response = await fetch(`${base}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(5000),
      redirect: 'error',
    });
    if (!response.ok) throw new Error(`discovery answered HTTP ${response.status}`);
    const document = Discovery.parse(await response.json());
    if (document.issuer !== this.#options.issuer) {
      throw new Error(`discovery names issuer ${document.issuer}, expected ${this.#options.issuer}`);
    }
    return createRemoteJWKSet(new URL(document.jwks_uri), {
      cacheMaxAge: this.#options.keyCacheMaxAgeMs ?? 10 * 60_000,
      cooldownDuration: this.#options.keyRefetchCooldownMs ?? 30_000,
      timeoutDuration: 5000,
    });
  }
}

function toTokenError(cause: unknown): TokenError {
  if (cause instanceof TokenError) return cause;
  if (cause instanceof joseErrors.JWTExpired) return new TokenError('token_expired', 'token has expired', { cause });
  if (cause instanceof joseErrors.JWTClaimValidationFailed) {
    return new TokenError('invalid_token', `token claim "${cause.claim}" is not acceptable`, { cause });
  }
  if (cause instanceof joseErrors.JWKSNoMatchingKey) return new TokenError('invalid_token', 'token signed with an unknown key', { cause });
  if (cause instanceof joseErrors.JWSSignatureVerificationFailed) return new TokenError('invalid_token', 'token signature is invalid', { cause });
  if (cause instanceof joseErrors.JOSEAlgNotAllowed) return new TokenError('invalid_token', 'token algorithm is not allowed', { cause });
  // The key set could not be fetched or read: the provider is at fault, not the token.
  if (
    !(cause instanceof joseErrors.JOSEError) ||
    cause instanceof joseErrors.JWKSTimeout ||
    cause instanceof joseErrors.JWKSInvalid ||
    cause.code === 'ERR_JOSE_GENERIC'
  ) {
    return new TokenError('provider_unavailable', 'identity provider unavailable', { cause });
  }
  return new TokenError('invalid_token', 'token is not a valid JWT', { cause });
}
