import { randomBytes } from 'node:crypto';
import type { VideoCodec } from '@plenum/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { BridgeKeepalive } from './bridgeKeepalive.js';
import { ConferenceBridge } from './conferenceBridge.js';
import type { Bridge, BridgeLauncher } from '../launcher.js';

export interface BridgeRegistryOptions {
  launcher: BridgeLauncher;
  /** RabbitMQ URL for bridges commanded through the broker. */
  brokerUrl?: string;
  /** How long a conference's bridge outlives its last participant. */
  graceMs: number;
  /** Started, unassigned bridges kept ready so that a conference need not wait. Default 0. */
  poolSize?: number;
  /**
   * Interval of the keepalive probes through each bridge's API transport, ms; two unanswered
   * in a row and the bridge counts as hung and is replaced. Default 5000; 0 switches them off.
   */
  keepaliveMs?: number;
  /** Whether the conference still has participants (on any controller). */
  hasParticipants: (roomId: string) => Promise<boolean>;
  log: FastifyBaseLogger;
}

/** What the registry reports about its bridges (the router keeps the shared claims in step). */
export interface BridgeLifecycleObserver {
  /** The conference's bridge died or hung and was replaced by `fresh` (undefined: no replacement could start). */
  replaced(roomId: string, deadBridgeId: string, fresh: ConferenceBridge | undefined): Promise<void>;
  /** The conference's bridge was stopped (grace period over, meeting ended, shutdown); awaited by `stop`. */
  stopped(roomId: string, bridgeId: string): Promise<void>;
}

/**
 * This controller's conference bridges: started when a conference first needs media, stopped
 * (and wiped) when the conference has been empty for the grace period or ends, replaced when
 * the bridge dies or stops answering keepalives. Which controller runs a conference's bridge
 * is decided by the router (`BridgeRouter`), which asks this registry only for the
 * conferences it owns.
 */
export class BridgeRegistry {
  readonly #options: BridgeRegistryOptions;
  readonly #bridges = new Map<string, Promise<ConferenceBridge>>();
  /** The started ones of `#bridges`, for synchronous lookups. */
  readonly #ready = new Map<string, ConferenceBridge>();
  readonly #keepalives = new Map<ConferenceBridge, BridgeKeepalive>();
  readonly #watchers = new Map<string, NodeJS.Timeout>();
  #observer: BridgeLifecycleObserver | undefined;
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

  /** Sets the one observer of replacements and stops. */
  observe(observer: BridgeLifecycleObserver): void {
    this.#observer = observer;
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
      const starting = this.#start(roomId, codec);
      bridge = starting;
      this.#bridges.set(roomId, starting);
      starting.then(
        (conference) => {
          // Unless it was stopped while starting (then `stop` closes it).
          if (this.#bridges.get(roomId) !== starting) return;
          this.#ready.set(roomId, conference);
          this.#watch(roomId);
        },
        (error: unknown) => {
          if (this.#bridges.get(roomId) === starting) this.#bridges.delete(roomId);
          this.#options.log.error({ err: error, roomId }, 'could not start the conference bridge');
        },
      );
    }
    return bridge;
  }

  /** The conference's bridge if it runs or is starting here; never starts one. */
  find(roomId: string): Promise<ConferenceBridge> | undefined {
    return this.#bridges.get(roomId);
  }

  /** The conference's bridge if it runs here and has started. */
  local(roomId: string): ConferenceBridge | undefined {
    return this.#ready.get(roomId);
  }

  /** Conferences whose bridge runs (or is starting) here. */
  get rooms(): string[] {
    return [...this.#bridges.keys()];
  }

  /** Stops the conference's bridge now (the meeting ended, or another controller owns it). */
  async stop(roomId: string): Promise<void> {
    const bridge = this.#bridges.get(roomId);
    this.#bridges.delete(roomId);
    this.#ready.delete(roomId);
    const watcher = this.#watchers.get(roomId);
    if (watcher) clearInterval(watcher);
    this.#watchers.delete(roomId);
    if (!bridge) return;
    const stopping = bridge.then(
      async (conference) => {
        this.#keepalives.get(conference)?.stop();
        this.#keepalives.delete(conference);
        await conference.close();
        this.#options.log.info({ roomId, bridge: conference.bridge.id }, 'bridge stopped');
        await this.#observer?.stopped(roomId, conference.bridge.id);
      },
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
    let conference: ConferenceBridge;
    try {
      conference = await this.#open(roomId, codec, pooled ?? (await this.#launch()));
    } catch (error) {
      // A warm bridge may have gone bad while it waited: a fresh one gets a second chance.
      if (!pooled) throw error;
      this.#options.log.warn({ err: error, roomId }, 'a pooled bridge failed; starting a fresh one');
      conference = await this.#open(roomId, codec, await this.#launch());
    }
    const { bridge } = conference;
    this.#options.log.info({ roomId, bridge: bridge.id, address: bridge.mediaAddress }, 'bridge started');
    bridge.onExit((code, signal) => void this.#replace(roomId, codec, conference, `exit ${String(code ?? signal)}`));
    const keepaliveMs = this.#options.keepaliveMs ?? 5000;
    if (keepaliveMs > 0) {
      const keepalive = new BridgeKeepalive({
        intervalMs: keepaliveMs,
        probe: (timeoutMs) => conference.probe(timeoutMs),
        onHung: (error) => void this.#replace(roomId, codec, conference, `hung: ${error.message}`),
      });
      this.#keepalives.set(conference, keepalive);
    }
    return conference;
  }

  async #open(roomId: string, codec: VideoCodec, { bridge, apiSecret }: { bridge: Bridge; apiSecret: string }): Promise<ConferenceBridge> {
    try {
      return await ConferenceBridge.open(bridge, {
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
  }

  /** A bridge that died or hung is replaced at once; the router tells the conference to reconnect. */
  async #replace(roomId: string, codec: VideoCodec, dead: ConferenceBridge, why: string): Promise<void> {
    this.#keepalives.get(dead)?.stop();
    this.#keepalives.delete(dead);
    // Only the conference's current bridge is replaced, once (exit and keepalive may both report it).
    if (dead.closed || this.#ready.get(roomId) !== dead) return;
    this.#options.log.warn({ roomId, bridge: dead.bridge.id, why }, 'bridge died; replacing it');
    this.#bridges.delete(roomId);
    this.#ready.delete(roomId);
    // The dead one is torn down while the new one starts: a hung process may take seconds to kill.
    const teardown = dead.close().catch(() => undefined);
    this.#stopping.add(teardown);
    void teardown.finally(() => this.#stopping.delete(teardown));
    let fresh: ConferenceBridge | undefined;
    if (!this.#closed) {
      try {
        fresh = await this.get(roomId, codec);
      } catch (error) {
        this.#options.log.error({ err: error, roomId }, 'could not replace the bridge');
      }
    }
    await this.#observer?.replaced(roomId, dead.bridge.id, fresh);
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
          await this.stop(roomId);
        },
        (error: unknown) => this.#options.log.warn({ err: error, roomId }, 'bridge watcher failed'),
      );
    }, Math.max(200, Math.floor(this.#options.graceMs / 4)));
    timer.unref();
    this.#watchers.set(roomId, timer);
  }
}
