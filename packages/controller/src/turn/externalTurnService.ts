import type { IceServer } from '@plenum/protocol';
import { parseTurnUrl, probeTurnServer, type TurnTarget } from './stunProbe.js';
import { turnCredentials } from './turnCredentials.js';
import { TurnError } from './turnError.js';
import type { TurnService } from './turnService.js';

export interface ExternalTurnServiceOptions {
  /** `turn:`/`turns:` URLs of the TURN server, as browsers get them. At least one. Required. */
  urls: readonly string[];
  /** The server's shared secret (coturn `static-auth-secret`). Required; never logged. */
  secret: string;
  /** How long `problem()` waits for the server's answer, ms. Default 2000. */
  probeTimeoutMs?: number;
  /** How long `problem()` reuses its last finding, ms. Default 10 000. */
  probeCacheMs?: number;
}

/**
 * A TURN server run by someone else (coturn with `use-auth-secret`, or any server that takes
 * TURN REST credentials): browsers get its URLs and credentials signed with the shared secret.
 * `problem()` checks that it answers a STUN Binding request on its first `turn:` URL (or,
 * with only `turns:` URLs, that the first accepts TCP connections).
 */
export class ExternalTurnService implements TurnService {
  readonly kind = 'external';
  readonly #urls: readonly string[];
  readonly #secret: string;
  readonly #target: TurnTarget;
  readonly #probeTimeoutMs: number;
  readonly #probeCacheMs: number;
  #closed = false;
  #probe: { at: number; result: Promise<string | undefined> } | undefined;

  constructor(options: ExternalTurnServiceOptions) {
    const targets = options.urls.map((url) => {
      try {
        return parseTurnUrl(url);
      } catch (cause) {
        throw new TurnError('config', `not a TURN URL: ${JSON.stringify(url)}`, { cause });
      }
    });
    const target = targets.find((candidate) => !candidate.secure) ?? targets[0];
    if (!target) throw new TurnError('config', 'an external TURN server needs at least one URL');
    if (options.secret.length === 0) throw new TurnError('config', 'an external TURN server needs its shared secret');
    this.#urls = [...options.urls];
    this.#secret = options.secret;
    this.#target = target;
    this.#probeTimeoutMs = options.probeTimeoutMs ?? 2000;
    this.#probeCacheMs = options.probeCacheMs ?? 10_000;
  }

  get closed(): boolean {
    return this.#closed;
  }

  iceServers(participantId: string, expiresAtMs: number): IceServer[] {
    if (this.#closed) throw new TurnError('closed', 'the TURN service was closed');
    return [{ urls: [...this.#urls], ...turnCredentials(this.#secret, participantId, expiresAtMs) }];
  }

  /** `TURN server <host>:<port> (udp) not answering: …`, or `undefined` when it answered lately. */
  problem(): Promise<string | undefined> {
    if (this.#closed) return Promise.reject(new TurnError('closed', 'the TURN service was closed'));
    const now = Date.now();
    if (!this.#probe || now - this.#probe.at >= this.#probeCacheMs) {
      const { host, port, transport, secure } = this.#target;
      const where = `${host.includes(':') ? `[${host}]` : host}:${port} (${secure ? 'tls' : transport})`;
      const result = probeTurnServer(this.#target, this.#probeTimeoutMs).then(
        () => undefined,
        (error: unknown) => `TURN server ${where} not answering: ${(error as Error).message}`,
      );
      // The cache runs from when the answer came, so a slow probe is not repeated at once.
      const probe = { at: now, result };
      this.#probe = probe;
      void result.then(() => (probe.at = Date.now()));
    }
    return this.#probe.result;
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
