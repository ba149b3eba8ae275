import type { UserId } from '@plenum/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../http/apiError.js';
import type { UserRepository } from '../repositories/users.js';
import { TokenError, type TokenVerifier, type VerifiedToken } from './tokenVerifier.js';

/** The caller of an authenticated request. */
export interface Authenticated {
  userId: UserId;
  email: string | null;
  token: VerifiedToken;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes marked public skip the bearer-token check (health, OpenAPI, invite-code routes). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** Set on every non-public route once the bearer token has been verified. */
    auth: Authenticated | null;
  }
}

export interface AuthenticationOptions {
  verifier: TokenVerifier;
  users: UserRepository;
}

/** Remembers which users exist so that a request does not write to the database each time. */
class KnownUsers {
  readonly #entries = new Map<string, { userId: UserId; email: string | null }>();
  readonly #limit = 10_000;

  get(key: string) {
    return this.#entries.get(key);
  }

  set(key: string, value: { userId: UserId; email: string | null }) {
    if (this.#entries.size >= this.#limit) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, value);
  }
}

const challenge = (error?: { code: string; description: string }) =>
  error
    ? `Bearer realm="plenum", error="${error.code}", error_description="${error.description}"`
    : 'Bearer realm="plenum"';

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (!header) {
    throw new ApiError(401, 'unauthorized', 'sign in first: send an access token as "Authorization: Bearer <token>"', {
      headers: { 'www-authenticate': challenge() },
    });
  }
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
  if (!match?.[1]) {
    throw new ApiError(401, 'invalid_token', 'Authorization header must be "Bearer <token>"', {
      headers: { 'www-authenticate': challenge({ code: 'invalid_request', description: 'malformed authorization header' }) },
    });
  }
  return match[1];
}

/**
 * Checks the bearer token on every route not marked public, and creates the user on first
 * sight. Missing or invalid token: 401 with `WWW-Authenticate`.
 */
export const authentication = fp<AuthenticationOptions>(
  async (app: FastifyInstance, { verifier, users }) => {
    const known = new KnownUsers();
    app.decorateRequest('auth', null);
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.config.public) return;
      const raw = bearerToken(request);
      let token: VerifiedToken;
      try {
        token = await verifier.verify(raw);
      } catch (error) {
        if (error instanceof TokenError && error.code === 'provider_unavailable') {
          throw new ApiError(503, 'service_unavailable', 'identity provider unavailable', { cause: error });
        }
        const problem = error instanceof TokenError ? error : new TokenError('invalid_token', 'token rejected');
        throw new ApiError(401, problem.code === 'token_expired' ? 'token_expired' : 'invalid_token', problem.message, {
          cause: error,
          headers: { 'www-authenticate': challenge({ code: 'invalid_token', description: problem.message }) },
        });
      }
      const key = `${token.issuer}\n${token.subject}`;
      let entry = known.get(key);
      if (!entry || entry.email !== token.email) {
        const user = await users.upsertFromClaims({
          issuer: token.issuer,
          subject: token.subject,
          name: token.name,
          email: token.email,
        });
        entry = { userId: user.id, email: token.email };
        known.set(key, entry);
      }
      request.auth = { ...entry, token };
    });
  },
  { name: 'plenum-authentication' },
);

/** The caller of a route that is not public; throws if used on a public route by mistake. */
export function caller(request: FastifyRequest): Authenticated {
  if (!request.auth) throw new Error('caller() used on a route without authentication');
  return request.auth;
}
