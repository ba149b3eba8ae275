import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK, type JWTHeaderParameters } from 'jose';

/** Claims of a token to mint; a claim set to `undefined` is left out of the token. */
export type Claims = Record<string, unknown>;

/** Token timing, in seconds relative to now. `nbf` is only set when given. */
export interface TokenTimes {
  /** Default 0 (now). */
  iat?: number;
  /** Default 300 (five minutes from now). */
  exp?: number;
  nbf?: number;
}

export interface MintOptions extends TokenTimes {
  /** `kid` in the header. Default: the kid of the signing key (or none for a raw secret). */
  kid?: string;
  /** JWS algorithm. Default RS256. */
  alg?: string;
  /**
   * What signs the token: `published` (default, the key the JWKS currently names),
   * `unpublished` (a key pair this issuer owns but never publishes), or raw bytes (an HMAC
   * secret, for algorithm-confusion tokens).
   */
  key?: 'published' | 'unpublished' | Uint8Array;
  /** Extra or replacing header parameters; `undefined` removes one (e.g. `{ kid: undefined }`). */
  header?: Record<string, unknown>;
}

interface KeyPair {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function newKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  // No `alg` in the published JWK (it is optional; some providers leave it out): then only the
  // verifier's own algorithm allow-list stops a token that uses the RSA key with another algorithm.
  return { kid: randomUUID(), privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), use: 'sig' } };
}

/** The pair's private key for `alg`: WebCrypto binds a key to one algorithm, so re-import it for RS512, PS256 … */
async function signingKey(pair: KeyPair, alg: string): Promise<CryptoKey | Uint8Array> {
  return alg === 'RS256' ? pair.privateKey : importJWK(await exportJWK(pair.privateKey), alg);
}

const withoutUndefined = (record: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsecured JWT (`alg: none`): base64url header and payload, and an empty signature. */
export function unsecuredToken(payload: Claims, header: Record<string, unknown> = { alg: 'none' }): string {
  return `${base64url(header)}.${base64url(withoutUndefined(payload))}.`;
}

/**
 * A minimal OpenID provider for tests: a real HTTP server on 127.0.0.1 that serves
 * `/.well-known/openid-configuration` and `/jwks`, and mints RS256 access tokens. It has no
 * login or token endpoint; tests mint the tokens they need, valid or not.
 */
export class FakeIssuer {
  /** Base URL, also the issuer named by discovery (unless `discoveryIssuer` says otherwise). */
  readonly url: string;
  /** Audience that `mint` puts in `aud` unless the claims say otherwise. */
  readonly audience: string;
  /** When set, discovery names this issuer instead of `url` (a misconfigured or spoofed provider). */
  discoveryIssuer: string | undefined;
  /** While true, every request is answered with HTTP 503 (a provider in trouble). */
  outage = false;

  readonly #server: Server;
  #published: KeyPair;
  readonly #unpublished: KeyPair;
  #jwksFetches = 0;
  #discoveryFetches = 0;

  private constructor(server: Server, published: KeyPair, unpublished: KeyPair, audience: string) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.audience = audience;
    this.#server = server;
    this.#published = published;
    this.#unpublished = unpublished;
    server.on('request', (request, response) => {
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const path = (request.url ?? '/').split('?')[0];
      if (this.outage) return send(503, { error: 'temporarily_unavailable' });
      if (request.method === 'GET' && path === '/.well-known/openid-configuration') {
        this.#discoveryFetches++;
        return send(200, { issuer: this.discoveryIssuer ?? this.url, jwks_uri: `${this.url}/jwks` });
      }
      if (request.method === 'GET' && path === '/jwks') {
        this.#jwksFetches++;
        return send(200, { keys: [{ ...this.#published.jwk, kid: this.#published.kid }] });
      }
      return send(404, { error: 'not_found' });
    });
  }

  /** Starts a provider on 127.0.0.1, on a free port unless `port` is given. */
  static async start(options: { audience?: string; port?: number } = {}): Promise<FakeIssuer> {
    const [published, unpublished] = await Promise.all([newKeyPair(), newKeyPair()]);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new FakeIssuer(server, published, unpublished, options.audience ?? 'plenum');
  }

  /** Kid of the key the JWKS currently publishes. */
  get kid(): string {
    return this.#published.kid;
  }

  /** Kid of the key pair that is never published. */
  get unpublishedKid(): string {
    return this.#unpublished.kid;
  }

  /** How many times `/jwks` was fetched. */
  get jwksFetches(): number {
    return this.#jwksFetches;
  }

  /** How many times discovery was fetched. */
  get discoveryFetches(): number {
    return this.#discoveryFetches;
  }

  /** The published public key as SPKI PEM (what an attacker can download). */
  publicKeyPem(): Promise<string> {
    return exportSPKI(this.#published.publicKey);
  }

  /** Replaces the published key by a new one (the old one is no longer published); returns the new kid. */
  async rotate(): Promise<string> {
    this.#published = await newKeyPair();
    return this.#published.kid;
  }

  /**
   * The claims `mint` signs: `iss` (this issuer), `aud`, `sub: 'user-1'`, `iat`, `exp` and
   * optionally `nbf`, overridden by `claims`; `undefined` values are left out.
   */
  claims(claims: Claims = {}, times: TokenTimes = {}): Claims {
    const now = Math.floor(Date.now() / 1000);
    return withoutUndefined({
      iss: this.url,
      aud: this.audience,
      sub: 'user-1',
      iat: now + (times.iat ?? 0),
      exp: now + (times.exp ?? 300),
      nbf: times.nbf === undefined ? undefined : now + times.nbf,
      ...claims,
    });
  }

  /** Signs a JWT with `claims()` and the chosen key, algorithm and header. */
  async mint(claims: Claims = {}, options: MintOptions = {}): Promise<string> {
    const choice = options.key ?? 'published';
    const pair = choice === 'published' ? this.#published : choice === 'unpublished' ? this.#unpublished : undefined;
    const secret = choice instanceof Uint8Array ? choice : undefined;
    const header = withoutUndefined({
      alg: options.alg ?? 'RS256',
      typ: 'JWT',
      kid: options.kid ?? pair?.kid,
      ...options.header,
    }) as JWTHeaderParameters;
    return new SignJWT(this.claims(claims, options)).setProtectedHeader(header).sign(secret ?? (await signingKey(pair ?? this.#published, header.alg)));
  }

  /** Stops the server and drops open connections. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.close((error) => (error ? reject(error) : resolve()));
      this.#server.closeAllConnections();
    });
  }
}
