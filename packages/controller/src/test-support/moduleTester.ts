import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  AnyEvent,
  controlNamespace,
  ErrorPayload,
  JoinSuccess,
  namespaceDefinition,
  type CommandOf,
  type EventOf,
  type NamespaceName,
  type ParticipantId,
  type RoomId,
  type SignalingErrorCode,
  type UserId,
  type JoinDataOf,
} from '@plenum/protocol';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import type { WebSocket } from 'ws';
import { BridgeRegistry } from '../bridge/conference/bridgeRegistry.js';
import { BridgeLaunchError, type BridgeLauncher } from '../bridge/launcher.js';
import { createLauncher } from '../bridge/launchers/createLauncher.js';
import { kubernetesConfigSchema } from '../bridge/launchers/kubernetes/config.js';
import { BridgeRouter } from '../bridge/routing/bridgeRouter.js';
import { MemoryBroker, MemoryBus } from '../broker/memoryBroker.js';
import { TokenError } from '../identity/tokenVerifier.js';
import { bridgeServices } from '../signaling/bridgeServices.js';
import { GuestTokens } from '../signaling/guestTokens.js';
import { SignalingHub } from '../signaling/hub.js';
import type { SignalingRoom } from '../signaling/identity.js';
import type { SignalingModule } from '../signaling/module.js';
import { signalingModules } from '../signaling/modules/registry.js';
import { RoomState } from '../signaling/roomState.js';
import { SignalingSession } from '../signaling/session.js';
import type { SignalingConfig } from '../signaling/sessionHost.js';
import { MemoryStore } from '../state/memoryStore.js';
import type { TicketGrant } from '../tickets/ticketStore.js';
import { ContractViolationError, receiveFrame } from './contractViolations.js';

/**
 * A module tester: signaling modules driven through the real `SignalingSession` and
 * `SignalingHub`, without HTTP, sockets, database or bridges.
 *
 * One `MemoryStore` and one `MemoryBus` stand for Redis and RabbitMQ; each "controller" is a
 * `SignalingHub` with its own `MemoryBroker` and controller ID on them. A participant is a
 * session on a fake socket with a ticket grant made up here (no token is ever checked, except
 * that `control/refresh_token` is refused). Every frame a participant receives is checked with
 * the protocol's `eventContractViolation`: a violation fails the test (contractViolations.ts)
 * and makes the participant's waiting helpers throw.
 *
 * ```ts
 * const t = await moduleTester({ controllers: 2 });
 * const alice = await t.join({ name: 'Alice', as: 'owner' });
 * const bob = await t.join({ name: 'Bob', controller: 1 });
 * alice.send('chat', { action: 'send_message', content: 'hi' });
 * expect((await bob.next('chat', 'message_sent')).chatMessage.content).toBe('hi');
 * await t.close();
 * ```
 */

export interface ModuleTesterOptions {
  /** How many controllers share the store and the broker. Default 1. */
  controllers?: number;
  /** The modules every controller runs. Default: the registry's list (chat, moderation, media). */
  modules?: readonly SignalingModule[];
  /** The room's stored settings. Default: no waiting room, VP8. */
  room?: { waitingRoom?: boolean; videoCodec?: SignalingRoom['videoCodec'] };
  /**
   * Bridges: `off` is `PLENUM_BRIDGE_LAUNCHER=none` (no media module); `failing` enables media
   * with a launcher whose every launch fails, so media runs up to the point of needing Janus.
   * Default `off`.
   */
  media?: 'off' | 'failing';
  /** Signaling limits and timings. Default: the configuration's defaults. */
  signaling?: Partial<SignalingConfig>;
}

export interface JoinOptions {
  /** The display name in the ticket. */
  name: string;
  /** `owner`: the room's owner (a moderator); `user`: another signed-in user; `guest`. Default `user`. */
  as?: 'owner' | 'user' | 'guest';
  /** Joins as the same user account as this earlier participant (another device, or coming back). */
  sameUserAs?: FakeParticipant;
  /** Resumes this earlier participant (same user, its resumption token from `join_success`). */
  resume?: FakeParticipant;
  /** Index of the controller to connect to. Default 0. */
  controller?: number;
}

/** What `join` waits for: the outcome of `control/join`. */
const joinOutcomes = new Set(['control/join_success', 'control/join_blocked', 'moderation/in_waiting_room']);

const defaultSignaling: SignalingConfig = {
  ratePerSecond: 10,
  burst: 30,
  tokenGraceSeconds: 30,
  resumptionWindowSeconds: 30,
  pingIntervalMs: 15_000,
  heartbeatTtlMs: 10_000,
  joinTimeoutMs: 30_000,
};

export interface ModuleTester {
  readonly roomId: RoomId;
  /** The room owner's user ID (participants joining `as: 'owner'` have it). */
  readonly ownerId: UserId;
  readonly hubs: readonly SignalingHub[];
  readonly store: MemoryStore;
  /** Opens a session and sends `control/join`; resolves at `control/join_success`, `control/join_blocked` or `moderation/in_waiting_room`. */
  join(options: JoinOptions): Promise<FakeParticipant>;
  /** The room's participants as stored (joined, waiting and dropped). */
  participants(): ReturnType<RoomState['participants']>;
  /** Closes every controller (participants get close 4006), then the brokers and the store. Idempotent. */
  close(): Promise<void>;
}

/** Starts `controllers` hubs on one store and bus, for one room. */
export async function moduleTester(options: ModuleTesterOptions = {}): Promise<ModuleTester> {
  const log = pino({ level: 'silent' }) as FastifyBaseLogger;
  const store = new MemoryStore();
  const bus = new MemoryBus();
  const modules = options.modules ?? signalingModules;
  const config = { ...defaultSignaling, ...options.signaling };
  const room: SignalingRoom = {
    id: randomUUID(),
    name: 'Module test room',
    ownerId: randomUUID(),
    waitingRoom: options.room?.waitingRoom ?? false,
    videoCodec: options.room?.videoCodec ?? 'vp8',
  };
  const brokers: MemoryBroker[] = [];
  const hubs: SignalingHub[] = [];
  for (let index = 0; index < (options.controllers ?? 1); index++) {
    const controllerId = `controller-${index}`;
    const broker = new MemoryBroker(bus);
    const registry = new BridgeRegistry({
      launcher: options.media === 'failing' ? failingLauncher() : noneLauncher(),
      graceMs: 1000,
      keepaliveMs: 0,
      hasParticipants: async (roomId) => (await new RoomState(store, roomId).participants()).length > 0,
      log,
    });
    const media = new BridgeRouter({
      controllerId,
      registry,
      store,
      broker,
      leaseMs: config.heartbeatTtlMs,
      services: bridgeServices(modules, broker, log),
      participantIds: async (roomId) => new Set((await new RoomState(store, roomId).participants()).map((record) => record.id)),
      log,
    });
    const hub = new SignalingHub({
      controllerId,
      store,
      broker,
      modules,
      config,
      guestTokens: new GuestTokens(store, 3600),
      verifyUserToken: () => Promise.reject(new TokenError('invalid_token', 'the module tester checks no tokens')),
      bridges: registry,
      media,
      log,
    });
    await hub.start();
    brokers.push(broker);
    hubs.push(hub);
  }

  const participants: FakeParticipant[] = [];
  let closing: Promise<void> | undefined;
  return {
    roomId: room.id as RoomId,
    ownerId: room.ownerId as UserId,
    hubs,
    store,
    async join({ name, as = 'user', sameUserAs, resume, controller = 0 }) {
      const hub = hubs[controller];
      if (!hub || closing) throw new Error(closing ? 'the module tester is closed' : `no controller ${controller}`);
      const tokenExpiresAt = new Date(Date.now() + 3600_000).toISOString();
      const roomId = room.id as RoomId;
      let grant: TicketGrant;
      if (as === 'guest') grant = { kind: 'guest', guestId: randomUUID(), roomId, displayName: name, tokenExpiresAt };
      else {
        const userId = ((resume ?? sameUserAs)?.userId ?? (as === 'owner' ? room.ownerId : randomUUID())) as UserId;
        grant = { kind: 'user', userId, issuer: 'https://issuer.test', subject: userId, roomId, displayName: name, tokenExpiresAt };
      }
      const participant = new FakeParticipant(name, grant.kind === 'user' ? grant.userId : null);
      participants.push(participant);
      new SignalingSession(hub, participant.socket.asWebSocket(), grant, room, log);
      const resumption = resume?.latestJoin().resumption;
      participant.send('control', resumption === undefined ? { action: 'join' } : { action: 'join', resumption });
      await participant.waitFor((event) => joinOutcomes.has(`${event.namespace}/${event.payload.message}`));
      return participant;
    },
    participants: () => new RoomState(store, room.id).participants(),
    close() {
      closing ??= (async () => {
        await Promise.all(hubs.map((hub) => hub.close()));
        await Promise.all(brokers.map((broker) => broker.close()));
        await store.close();
        for (const participant of participants) participant.socket.close(1006, 'tester closed');
      })();
      return closing;
    },
  };
}

/** `PLENUM_BRIDGE_LAUNCHER=none`: media switched off. */
function noneLauncher(): BridgeLauncher {
  return createLauncher({
    launcher: 'none',
    dir: '',
    brokerUrl: undefined,
    oci: { socketPath: '', image: '' },
    hostAddress: undefined,
    publicAddressSetting: 'internal',
    kubernetes: kubernetesConfigSchema.parse({}),
    publicAddress: undefined,
    warn: () => undefined,
    onKubernetesError: () => undefined,
  });
}

/** Media enabled, but no bridge ever starts: what media does before it needs Janus. */
function failingLauncher(): BridgeLauncher {
  return {
    kind: 'failing',
    launch: () => Promise.reject(new BridgeLaunchError('start_failed', 'the module tester starts no bridges')),
    sweep: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/**
 * The server's end of a WebSocket as `SignalingSession` uses it: events `message`, `close`,
 * `pong`, `error`; `send`, `close`, `ping`, `terminate`, `readyState`. What the session sends
 * goes straight to its participant.
 */
class FakeSocket extends EventEmitter {
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 3;
  readyState = 1;
  closeCode: number | undefined;
  readonly #receive: (text: string) => void;
  readonly #closed: () => void;

  constructor(receive: (text: string) => void, closed: () => void) {
    super();
    this.#receive = receive;
    this.#closed = closed;
  }

  /** The session's type names the `ws` class; this fake has the part of it the session uses. */
  asWebSocket(): WebSocket {
    return this as unknown as WebSocket;
  }

  send(data: string): void {
    if (this.readyState === this.OPEN) this.#receive(data);
  }

  /** Closes from either end; `close` is emitted later, as `ws` does. */
  close(code = 1005, reason = ''): void {
    if (this.readyState === this.CLOSED) return;
    this.readyState = this.CLOSED;
    this.closeCode = code;
    this.#closed();
    queueMicrotask(() => this.emit('close', code, Buffer.from(reason)));
  }

  ping(): void {
    queueMicrotask(() => this.emit('pong'));
  }

  terminate(): void {
    this.close(1006);
  }
}

/** A participant's client: sends commands, keeps every event it received, and waits for them. */
export class FakeParticipant {
  readonly name: string;
  /** Its user account, `null` for a guest. */
  readonly userId: UserId | null;
  readonly socket: FakeSocket;
  /** Every event received, in order. */
  readonly events: AnyEvent[] = [];
  /** Frames received that the contract refuses, each with why. */
  readonly violations: string[] = [];
  /** Events `next` has returned already. */
  readonly #taken = new Set<AnyEvent>();
  #waiters: (() => void)[] = [];

  constructor(name: string, userId: UserId | null) {
    this.name = name;
    this.userId = userId;
    this.socket = new FakeSocket(
      (text) => this.#received(text),
      () => this.#notify(),
    );
  }

  /** Its participant ID, from its latest `join_success`; throws before that. */
  get id(): ParticipantId {
    return this.latestJoin().id;
  }

  /** Its latest `join_success`; throws before that. */
  latestJoin(): Extract<EventOf<'control'>, { message: 'join_success' }> {
    const joined = this.events.findLast((e) => e.namespace === controlNamespace && e.payload.message === 'join_success');
    if (!joined) throw new Error(`${this.name} has not joined`);
    return JoinSuccess.parse(joined.payload);
  }

  /** Its module's part of its latest `join_success` (`undefined` if the module sent none); throws before joining. */
  joinData<N extends NamespaceName>(namespace: N): JoinDataOf<N> | undefined {
    const { modules } = this.latestJoin();
    const schema = namespaceDefinition(namespace)?.joinData;
    if (!schema || !Object.hasOwn(modules, namespace)) return undefined;
    return schema.parse(modules[namespace]) as JoinDataOf<N>;
  }

  /** The close code the server closed its socket with, if it did. */
  get closeCode(): number | undefined {
    return this.socket.closeCode;
  }

  /** Sends a command, typed by its namespace. */
  send<N extends NamespaceName>(namespace: N, command: CommandOf<N>): void {
    this.sendRaw(JSON.stringify({ namespace, payload: command }));
  }

  /** Sends any text frame, valid or not. */
  sendRaw(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) throw new Error(`${this.name}'s socket is closed`);
    this.socket.emit('message', Buffer.from(text), false);
  }

  /** The socket drops without a `leave` (network loss). */
  drop(): void {
    this.socket.close(1006, 'dropped');
  }

  /**
   * The first event of `namespace`/`message` that `next` has not returned yet, waiting up to
   * `timeoutMs` (default 2000) for it; typed by the namespace's event schema.
   */
  async next<N extends NamespaceName, M extends EventOf<N>['message']>(
    namespace: N,
    message: M,
    timeoutMs = 2000,
  ): Promise<Extract<EventOf<N>, { message: M }>> {
    const event = await this.waitFor((e) => e.namespace === namespace && e.payload.message === message && !this.#taken.has(e), timeoutMs);
    this.#taken.add(event);
    const schema = namespaceDefinition(namespace)?.events;
    if (!schema) throw new Error(`unknown namespace ${namespace}`);
    return schema.parse(event.payload) as Extract<EventOf<N>, { message: M }>;
  }

  /** Like `next`, for an `error` event: its code. */
  async nextError(namespace: NamespaceName, timeoutMs = 2000): Promise<SignalingErrorCode> {
    const event = await this.waitFor((e) => e.namespace === namespace && e.payload.message === 'error' && !this.#taken.has(e), timeoutMs);
    this.#taken.add(event);
    return ErrorPayload.parse(event.payload).error;
  }

  /** Whether an event of `namespace`/`message` arrived that `next` has not returned. Settle first (`settled`). */
  has(namespace: NamespaceName, message: string): boolean {
    return this.events.some((e) => e.namespace === namespace && e.payload.message === message && !this.#taken.has(e));
  }

  /** Waits for the server to close the socket; its close code. */
  async closed(timeoutMs = 2000): Promise<number> {
    await this.#until(() => this.socket.closeCode !== undefined, timeoutMs, 'the socket did not close');
    return this.socket.closeCode ?? 0;
  }

  /** The first received event matching (taken or not). Throws once a frame broke the contract. */
  async waitFor(match: (event: AnyEvent) => boolean, timeoutMs = 2000): Promise<AnyEvent> {
    let found: AnyEvent | undefined;
    await this.#until(() => (found = this.events.find(match)) !== undefined, timeoutMs, 'timed out');
    if (!found) throw new Error('unreachable');
    return found;
  }

  async #until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.violations.length > 0) throw new ContractViolationError(this.violations);
      if (done()) return;
      const left = deadline - Date.now();
      if (left < 0) {
        const seen = this.events.map((e) => `${e.namespace}/${e.payload.message}`).join(', ');
        throw new Error(`${this.name}: ${what}; events so far: ${seen || 'none'}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left + 1);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #received(text: string): void {
    const event = receiveFrame(text, false, this.name, this.violations);
    if (event) this.events.push(event);
    this.#notify();
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Lets every message in flight through the store, broker and sessions settle (they run on
 * microtasks and immediates only), so that a test can check what did *not* arrive.
 */
export async function settled(): Promise<void> {
  for (let round = 0; round < 20; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}
