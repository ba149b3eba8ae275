import { randomBytes } from 'node:crypto';
import type { VideoCodec } from '@plenum/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { ConferenceBridge } from './conferenceBridge.js';
import type { Bridge, BridgeLauncher } from './launcher.js';

export interface BridgeRegistryOptions {
  launcher: BridgeLauncher;
  /** RabbitMQ URL for bridges commanded through the broker. */
  brokerUrl?: string;
  /** How long a conference's bridge outlives its last participant. */
  graceMs: number;
  /** Started, unassigned bridges kept ready so that a conference need not wait. Default 0. */
  poolSize?: number;
  /** Whether the conference still has participants (on any controller). */
  hasParticipants: (roomId: string) => Promise<boolean>;
  log: FastifyBaseLogger;
}

type ResetListener = () => void;

/**
 * This controller's conference bridges: started when a conference first needs media, stopped
 * (and wiped) when the conference has been empty for the grace period or ends, replaced when
 * the bridge dies — whereupon the conference's participants are told to publish and subscribe
 * again.
 */
export class BridgeRegistry {
  readonly #options: BridgeRegistryOptions;
  readonly #bridges = new Map<string, Promise<ConferenceBridge>>();
  readonly #resetListeners = new Map<string, Set<ResetListener>>();
  readonly #watchers = new Map<string, NodeJS.Timeout>();
  /** Warm bridges, each used by at most one conference and never again. */
  readonly #pool: { bridge: Bridge; apiSecret: string }[] = [];
  /** Pool launches under way; `close()` waits for them so that none is left running. */
  readonly #filling = new Set<Promise<void>>();
  /** Bridges being stopped; `close()` waits for their teardown too. */
  readonly #stopping = new Set<Promise<void>>();
  #closed = false;

  constructor(options: BridgeRegistryOptions) {
    this.#options = options;
  }

  /** False when the launcher cannot start bridges at all (media switched off). */
  get enabled(): boolean {
    return this.#options.launcher.kind !== 'none';
  }

  /** Starts filling the warm pool, if one is configured. */
  start(): void {
    this.#refill();
  }

  /** Bridges waiting in the warm pool. */
  get pooled(): number {
    return this.#pool.length;
  }

  /** IDs of the bridges waiting in the warm pool. */
  get pooledIds(): string[] {
    return this.#pool.map(({ bridge }) => bridge.id);
  }

  /** The conference's bridge, started if it has none. Concurrent callers share one start. */
  get(roomId: string, codec: VideoCodec): Promise<ConferenceBridge> {
    if (this.#closed) return Promise.reject(new Error('bridge registry is closed'));
    let bridge = this.#bridges.get(roomId);
    if (!bridge) {
      bridge = this.#start(roomId, codec);
      this.#bridges.set(roomId, bridge);
      bridge.catch((error: unknown) => {
        this.#bridges.delete(roomId);
        this.#options.log.error({ err: error, roomId }, 'could not start the conference bridge');
      });
    }
    return bridge;
  }

  /** Calls `listener` whenever the conference's bridge is replaced. Returns an unsubscribe function. */
  onReset(roomId: string, listener: ResetListener): () => void {
    let listeners = this.#resetListeners.get(roomId);
    if (!listeners) {
      listeners = new Set();
      this.#resetListeners.set(roomId, listeners);
    }
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Stops the conference's bridge now (the meeting ended). */
  async stop(roomId: string): Promise<void> {
    const bridge = this.#bridges.get(roomId);
    this.#bridges.delete(roomId);
    const watcher = this.#watchers.get(roomId);
    if (watcher) clearInterval(watcher);
    this.#watchers.delete(roomId);
    if (!bridge) return;
    const stopping = bridge.then(
      (conference) => conference.close(),
      () => undefined,
    );
    this.#stopping.add(stopping);
    await stopping.finally(() => this.#stopping.delete(stopping));
  }

  /** Stops every bridge. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#filling]);
    const pooled = this.#pool.splice(0);
    await Promise.all([...this.#bridges.keys()].map((roomId) => this.stop(roomId)));
    await Promise.all(pooled.map(({ bridge }) => bridge.close()));
    await Promise.all([...this.#stopping]);
  }

  get size(): number {
    return this.#bridges.size;
  }

  async #launch(): Promise<{ bridge: Bridge; apiSecret: string }> {
    const apiSecret = randomBytes(24).toString('base64url');
    return { bridge: await this.#options.launcher.launch({ id: randomBytes(6).toString('hex'), apiSecret }), apiSecret };
  }

  /** Keeps `poolSize` warm bridges; one that dies in the pool is dropped and replaced. */
  #refill(): void {
    const size = this.enabled ? (this.#options.poolSize ?? 0) : 0;
    while (!this.#closed && this.#pool.length + this.#filling.size < size) {
      const filling: Promise<void> = this.#launch()
        .then(async (entry) => {
          if (this.#closed) {
            await entry.bridge.close();
            return;
          }
          this.#pool.push(entry);
          entry.bridge.onExit(() => {
            const index = this.#pool.indexOf(entry);
            if (index >= 0) this.#pool.splice(index, 1);
            void entry.bridge.close().finally(() => this.#refill());
          });
        })
        .catch((error: unknown) => this.#options.log.warn({ err: error }, 'could not start a pooled bridge'))
        .finally(() => this.#filling.delete(filling));
      this.#filling.add(filling);
    }
  }

  async #start(roomId: string, codec: VideoCodec): Promise<ConferenceBridge> {
    const pooled = this.#pool.shift();
    this.#refill();
    const { bridge, apiSecret } = pooled ?? (await this.#launch());
    let conference: ConferenceBridge;
    try {
      conference = await ConferenceBridge.open(bridge, {
        room: roomId,
        codec,
        apiSecret,
        brokerUrl: this.#options.brokerUrl,
        onError: (error) => this.#options.log.warn({ err: error, roomId }, 'bridge connection problem'),
      });
    } catch (error) {
      await bridge.close();
      throw error;
    }
    this.#options.log.info({ roomId, bridge: bridge.id, address: bridge.mediaAddress }, 'bridge started');
    bridge.onExit((code, signal) => void this.#replace(roomId, codec, conference, `exit ${String(code ?? signal)}`));
    this.#watch(roomId);
    return conference;
  }

  /** A bridge that died is replaced at once, and its conference told to reconnect. */
  async #replace(roomId: string, codec: VideoCodec, dead: ConferenceBridge, why: string): Promise<void> {
    this.#options.log.warn({ roomId, bridge: dead.bridge.id, why }, 'bridge died; replacing it');
    if ((await this.#bridges.get(roomId)?.catch(() => undefined)) === dead) this.#bridges.delete(roomId);
    await dead.close().catch(() => undefined);
    if (this.#closed) return;
    try {
      await this.get(roomId, codec);
    } catch (error) {
      this.#options.log.error({ err: error, roomId }, 'could not replace the bridge');
    }
    for (const listener of this.#resetListeners.get(roomId) ?? []) listener();
  }

  /** Stops the bridge once the conference has been empty for the grace period. */
  #watch(roomId: string): void {
    if (this.#watchers.has(roomId)) return;
    let emptySince: number | undefined;
    const timer = setInterval(() => {
      void this.#options.hasParticipants(roomId).then(
        async (busy) => {
          if (busy) {
            emptySince = undefined;
            return;
          }
          emptySince ??= Date.now();
          if (Date.now() - emptySince < this.#options.graceMs) return;
          this.#options.log.info({ roomId }, 'conference empty; stopping its bridge');
          this.#resetListeners.delete(roomId);
          await this.stop(roomId);
        },
        (error: unknown) => this.#options.log.warn({ err: error, roomId }, 'bridge watcher failed'),
      );
    }, Math.max(200, Math.floor(this.#options.graceMs / 4)));
    timer.unref();
    this.#watchers.set(roomId, timer);
  }
}
