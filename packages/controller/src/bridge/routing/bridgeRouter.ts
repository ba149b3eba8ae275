import { VideoCodec } from '@plenum/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { Broker } from '../../broker/broker.js';
import type { BridgeService, BridgeWatcher } from './bridgeService.js';
import type { VolatileStore } from '../../state/volatileStore.js';
import { BridgeOwnership, type BridgeClaim } from './bridgeOwnership.js';
import type { BridgeRegistry } from '../conference/bridgeRegistry.js';
import { BridgeRpc, BridgeRpcError } from './bridgeRpc.js';
import type { ConferenceBridge } from '../conference/conferenceBridge.js';

export interface BridgeRouterOptions {
  controllerId: string;
  /** This controller's bridges. */
  registry: BridgeRegistry;
  store: VolatileStore;
  broker: Broker;
  /** Lifetime of a bridge claim without renewal; a dead owner's conferences move on after it. */
  leaseMs: number;
  /** The modules' bridge services, by namespace. */
  services: ReadonlyMap<string, BridgeService>;
  /** IDs of the room's participants, on any controller. */
  participantIds: (roomId: string) => Promise<ReadonlySet<string>>;
  /** How long a request to another controller may take (it may have to start the bridge). Default 20 s. */
  requestTimeoutMs?: number;
  log: FastifyBaseLogger;
}

/** What one controller asks the owner of a conference's bridge. */
const RouterRequest = z.discriminatedUnion('op', [
  z.strictObject({
    op: z.literal('call'),
    namespace: z.string().min(1).max(32),
    participant: z.string().min(1).max(64),
    codec: VideoCodec,
    start: z.boolean(),
    body: z.unknown(),
  }),
  /** The meeting ended. */
  z.strictObject({ op: z.literal('stop') }),
]);
type RouterRequest = z.infer<typeof RouterRequest>;
const CallResult = z.strictObject({ bridgeId: z.string().min(1).max(16), result: z.unknown() });

/** Tries of a request whose owner turned out not to own the bridge any more. */
const maxAttempts = 3;

/**
 * One bridge per conference across every controller sharing the store and the broker.
 *
 * The first controller that needs a conference's bridge claims it in the store
 * (`BridgeOwnership`), starts it and keeps renewing the claim. A participant's request goes
 * to its module's `BridgeService` on the owner: directly when that is this controller,
 * otherwise over the broker (`BridgeRpc`); the service answers the participant through the
 * broker too. When the owner's bridge is replaced or stopped, or the owner dies and its claim
 * expires, every controller's participants whose media lived on the old bridge are told
 * (`BridgeWatcher.lost`): their clients publish and subscribe again, and the first of those
 * requests claims and starts a fresh bridge.
 */
export class BridgeRouter {
  readonly #options: BridgeRouterOptions;
  readonly #ownership: BridgeOwnership;
  readonly #rpc: BridgeRpc;
  readonly #registry: BridgeRegistry;
  /** Conferences whose claim this controller holds. */
  readonly #owned = new Set<string>();
  /** The bridge each held claim is known to name, so that requests need not read it again. */
  readonly #recorded = new Map<string, string>();
  /** Per room: participant ID → the watcher of its (current) module instance. */
  readonly #watchers = new Map<string, Map<string, BridgeWatcher>>();
  /** Rooms whose bridge routing keys are bound here, with the binding under way or done. */
  readonly #bound = new Map<string, Promise<void>>();
  /** Requests to other controllers under way per room (their replies need the binding). */
  readonly #calls = new Map<string, number>();
  /** When this controller last renewed each of its claims; one it cannot renew for a lease is given up. */
  readonly #renewed = new Map<string, number>();
  /**
   * Owners that let a request time out, with the claim they held: for a lease, requests to them
   * under that claim fail at once instead of each waiting out its timeout in turn (a dead
   * owner's claim expires meanwhile; a merely slow one gets asked again after it).
   */
  readonly #unresponsive = new Map<string, { claimedAt: string; until: number }>();
  readonly #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor(options: BridgeRouterOptions) {
    this.#options = options;
    this.#registry = options.registry;
    this.#ownership = new BridgeOwnership(options.store, options.controllerId, options.leaseMs);
    this.#rpc = new BridgeRpc({
      broker: options.broker,
      controllerId: options.controllerId,
      onError: (error) => options.log.warn({ err: error }, 'bridge message problem'),
    });
    this.#rpc.onRequest((roomId, body) => this.#serve(roomId, body));
    this.#rpc.onNotice((roomId) => void this.#checkWatchers(roomId));
    this.#registry.observe({
      replaced: (roomId, deadBridgeId, fresh) => this.#replaced(roomId, deadBridgeId, fresh),
      stopped: (roomId, bridgeId) => this.#stopped(roomId, bridgeId),
    });
  }

  /** Starts renewing claims and watching the conferences' bridges. */
  start(): void {
    const every = Math.max(300, Math.floor(this.#options.leaseMs / 3));
    // Two loops: housekeeping may wait on Janus or the store, and must never delay a renewal.
    this.#repeat(every, () => this.#renewClaims());
    this.#repeat(every, () => this.#housekeeping());
  }

  /** Runs `task` every `ms`, never two at a time. */
  #repeat(ms: number, task: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      void task().finally(() => (running = false));
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  /** Claims and starts the conference's bridge in the background, unless one runs somewhere. */
  prepare(roomId: string, codec: VideoCodec): void {
    if (this.#closed || !this.#registry.enabled) return;
    void (async () => {
      const claim = await this.#owner(roomId, true);
      if (claim.controllerId === this.#options.controllerId) await this.#ownBridge(roomId, codec, true);
    })().catch((error: unknown) => this.#options.log.warn({ err: error, roomId }, 'could not prepare the conference bridge'));
  }

  /** A participant's request to its module's bridge service, wherever the conference's bridge runs. */
  async request(
    roomId: string,
    call: { namespace: string; participant: string; codec: VideoCodec; start: boolean; body: unknown },
  ): Promise<{ bridgeId: string; result: unknown }> {
    for (let attempt = 1; ; attempt++) {
      const claim = await this.#owner(roomId, call.start);
      try {
        if (claim.controllerId === this.#options.controllerId) return await this.#callLocal(roomId, call);
        const request: RouterRequest = { op: 'call', ...call };
        return CallResult.parse(await this.#remote(roomId, claim, request));
      } catch (error) {
        if (!(error instanceof BridgeRpcError && error.code === 'not_owner') || attempt >= maxAttempts) throw error;
        // The owner changed meanwhile; the claim in the store says who it is now.
      }
    }
  }

  /** Follows the room's bridge for one participant; a newer watcher of the same participant replaces it. */
  watch(roomId: string, participantId: string, watcher: BridgeWatcher): () => void {
    let room = this.#watchers.get(roomId);
    if (!room) this.#watchers.set(roomId, (room = new Map<string, BridgeWatcher>()));
    room.set(participantId, watcher);
    void this.#bind(roomId).catch((error: unknown) => this.#options.log.warn({ err: error, roomId }, 'could not bind bridge messages'));
    return () => {
      if (room.get(participantId) === watcher) room.delete(participantId);
    };
  }

  /** The meeting ended: its bridge stops at once, wherever it runs. Idempotent. */
  async stop(roomId: string): Promise<void> {
    const claim = await this.#ownership.owner(roomId);
    if (claim === undefined || claim.controllerId === this.#options.controllerId) {
      await this.#registry.stop(roomId);
      return;
    }
    await this.#remote(roomId, claim, { op: 'stop' } satisfies RouterRequest).catch((error: unknown) => {
      this.#options.log.warn({ err: error, roomId }, 'could not stop the bridge at its owner');
    });
  }

  /** A broker message with a bridge routing key. */
  receive(roomId: string, raw: unknown): void {
    this.#rpc.receive(roomId, raw);
  }

  /** Stops this controller's bridges and gives up their claims; the others' participants move on. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    const rooms = this.#registry.rooms;
    await this.#registry.close();
    // Other controllers' participants learn now, not when the claims would have expired.
    for (const roomId of rooms) {
      if ((await this.#options.participantIds(roomId).catch(() => new Set())).size > 0) await this.#rpc.notify(roomId).catch(() => undefined);
    }
    this.#rpc.close();
    await Promise.all([...this.#bound.keys()].map((roomId) => this.#rpc.unbind(roomId).catch(() => undefined)));
    this.#bound.clear();
  }

  /** The claim in force; with `start`, this controller claims a conference nobody holds. */
  async #owner(roomId: string, start: boolean): Promise<BridgeClaim> {
    if (this.#closed) throw new BridgeRpcError('closed', 'this controller is shutting down');
    const claim = await this.#ownership.owner(roomId);
    if (claim) return claim;
    if (!start) throw new BridgeRpcError('no_bridge', 'the conference has no bridge');
    // Bound before the claim is visible: others' requests may follow at once.
    await this.#bind(roomId);
    return this.#ownership.claim(roomId);
  }

  async #callLocal(
    roomId: string,
    call: { namespace: string; participant: string; codec: VideoCodec; start: boolean; body: unknown },
  ): Promise<{ bridgeId: string; result: unknown }> {
    const service = this.#options.services.get(call.namespace);
    if (!service) throw new BridgeRpcError('failed', `no bridge service for ${call.namespace}`);
    const conference = await this.#ownBridge(roomId, call.codec, call.start);
    return { bridgeId: conference.bridge.id, result: await service.handle(conference, call.participant, call.body) };
  }

  /**
   * This controller's bridge of a conference whose claim it holds; with `start`, started if
   * need be. (Without: a request such as a leave, arriving while the bridge stops, must not
   * start it again.)
   */
  async #ownBridge(roomId: string, codec: VideoCodec, start: boolean): Promise<ConferenceBridge> {
    const running = this.#registry.find(roomId);
    if (!running && !start) throw new BridgeRpcError('no_bridge', 'the conference has no bridge');
    if (!this.#owned.has(roomId)) {
      this.#owned.add(roomId);
      this.#renewed.set(roomId, Date.now());
    }
    await this.#bind(roomId);
    let conference: ConferenceBridge;
    try {
      conference = await (running ?? this.#registry.get(roomId, codec));
    } catch (error) {
      // Nobody is served by a claim without a bridge: the next request claims and tries again.
      this.#owned.delete(roomId);
      this.#recorded.delete(roomId);
      await this.#ownership.release(roomId).catch(() => undefined);
      throw error;
    }
    if (this.#recorded.get(roomId) === conference.bridge.id) return conference;
    if (!(await this.#ownership.setBridge(roomId, conference.bridge.id))) {
      // Our lease ran out meanwhile and another controller holds the conference now.
      await this.#registry.stop(roomId);
      throw new BridgeRpcError('not_owner', 'the conference moved to another controller');
    }
    this.#recorded.set(roomId, conference.bridge.id);
    return conference;
  }

  /** A request from another controller, for a conference whose bridge this one should own. */
  async #serve(roomId: string, raw: unknown): Promise<unknown> {
    const request = RouterRequest.parse(raw);
    if (request.op === 'stop') {
      if (this.#owned.has(roomId)) await this.#registry.stop(roomId);
      return null;
    }
    const claim = await this.#ownership.owner(roomId);
    if (claim?.controllerId !== this.#options.controllerId) throw new BridgeRpcError('not_owner', 'not the owner of this bridge');
    return this.#callLocal(roomId, request);
  }

  async #remote(roomId: string, claim: BridgeClaim, request: RouterRequest): Promise<unknown> {
    const to = claim.controllerId;
    const silent = this.#unresponsive.get(to);
    if (silent?.claimedAt === claim.claimedAt && Date.now() < silent.until) throw new BridgeRpcError('timeout', `controller ${to} does not answer`);
    this.#calls.set(roomId, (this.#calls.get(roomId) ?? 0) + 1);
    try {
      await this.#bind(roomId);
      const result = await this.#rpc.call(roomId, to, request, this.#options.requestTimeoutMs ?? 20_000);
      this.#unresponsive.delete(to);
      return result;
    } catch (error) {
      if (error instanceof BridgeRpcError && error.code === 'timeout') {
        this.#unresponsive.set(to, { claimedAt: claim.claimedAt, until: Date.now() + this.#options.leaseMs });
      }
      throw error;
    } finally {
      const left = (this.#calls.get(roomId) ?? 1) - 1;
      if (left > 0) this.#calls.set(roomId, left);
      else this.#calls.delete(roomId);
    }
  }

  #bind(roomId: string): Promise<void> {
    let bound = this.#bound.get(roomId);
    if (!bound) {
      bound = this.#rpc.bind(roomId);
      this.#bound.set(roomId, bound);
      bound.catch(() => this.#bound.delete(roomId));
    }
    return bound;
  }

  async #replaced(roomId: string, deadBridgeId: string, fresh: ConferenceBridge | undefined): Promise<void> {
    for (const service of this.#options.services.values()) service.forget(roomId, deadBridgeId);
    this.#recorded.delete(roomId);
    try {
      if (!fresh) {
        this.#owned.delete(roomId);
        this.#renewed.delete(roomId);
        await this.#ownership.release(roomId);
      } else if (await this.#ownership.setBridge(roomId, fresh.bridge.id)) {
        this.#recorded.set(roomId, fresh.bridge.id);
      } else {
        // The claim went to another controller meanwhile: the conference lives there now.
        await this.#registry.stop(roomId);
      }
      await this.#rpc.notify(roomId);
    } catch (error) {
      this.#options.log.warn({ err: error, roomId }, 'could not announce the replaced bridge');
    }
    await this.#checkWatchers(roomId);
  }

  async #stopped(roomId: string, bridgeId: string): Promise<void> {
    for (const service of this.#options.services.values()) service.forget(roomId, bridgeId);
    this.#owned.delete(roomId);
    this.#renewed.delete(roomId);
    this.#recorded.delete(roomId);
    await this.#ownership.release(roomId, bridgeId).catch((error: unknown) => {
      this.#options.log.warn({ err: error, roomId }, 'could not release the bridge claim');
    });
    await this.#checkWatchers(roomId);
  }

  /** Tells this controller's participants whose bridge is gone. */
  async #checkWatchers(roomId: string): Promise<void> {
    const room = this.#watchers.get(roomId);
    if (!room || room.size === 0) return;
    let current: string | null | undefined;
    try {
      current = (await this.#ownership.owner(roomId))?.bridgeId;
    } catch (error) {
      // Without the store we cannot tell; the next check will.
      this.#options.log.warn({ err: error, roomId }, 'could not read the bridge claim');
      return;
    }
    for (const watcher of room.values()) {
      if (watcher.bridgeId !== undefined && watcher.bridgeId !== current) watcher.lost();
    }
  }

  /** Renews this controller's claims; gives up (stops) a bridge whose claim it lost. */
  async #renewClaims(): Promise<void> {
    for (const roomId of [...this.#owned]) {
      let renewed: boolean;
      try {
        renewed = await this.#ownership.renew(roomId);
        if (renewed) this.#renewed.set(roomId, Date.now());
      } catch (error) {
        this.#options.log.warn({ err: error, roomId }, 'could not renew the bridge claim');
        // Cut off from the store for a whole lease, the claim has expired for everyone else.
        renewed = Date.now() - (this.#renewed.get(roomId) ?? 0) < this.#options.leaseMs;
      }
      if (!renewed && !this.#closed) {
        this.#options.log.warn({ roomId }, 'lost the claim on a conference bridge; stopping it here');
        this.#owned.delete(roomId);
        this.#recorded.delete(roomId);
        await this.#registry.stop(roomId);
      }
    }
  }

  /** Notices lost bridges, drops what nobody needs any more. */
  async #housekeeping(): Promise<void> {
    const rooms = new Set([...this.#owned, ...this.#watchers.keys(), ...this.#bound.keys()]);
    for (const roomId of rooms) {
      try {
        await this.#tidy(roomId);
      } catch (error) {
        this.#options.log.warn({ err: error, roomId }, 'bridge housekeeping failed');
      }
    }
  }

  async #tidy(roomId: string): Promise<void> {
    const present = await this.#options.participantIds(roomId);
    const room = this.#watchers.get(roomId);
    for (const participantId of room?.keys() ?? []) if (!present.has(participantId)) room?.delete(participantId);
    if (room?.size === 0) this.#watchers.delete(roomId);
    await this.#checkWatchers(roomId);
    if (this.#registry.local(roomId)) {
      for (const service of this.#options.services.values()) await service.prune(roomId, present);
    }
    const needed = this.#owned.has(roomId) || this.#registry.rooms.includes(roomId) || this.#watchers.has(roomId) || this.#calls.has(roomId);
    if (!needed && this.#bound.has(roomId)) {
      this.#bound.delete(roomId);
      await this.#rpc.unbind(roomId);
    }
  }
}
