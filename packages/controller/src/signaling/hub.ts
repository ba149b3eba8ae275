import { type IceServer, type ParticipantId } from '@plenum/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { BridgeRegistry } from '../bridge/conference/bridgeRegistry.js';
import type { BridgeRouter } from '../bridge/routing/bridgeRouter.js';
import { isBridgeRoutingKey } from '../bridge/routing/bridgeRpc.js';
import { routingKeys, type Broker } from '../broker/broker.js';
import type { VerifiedToken } from '../identity/tokenVerifier.js';
import type { VolatileStore } from '../state/volatileStore.js';
import { BrokerMessage } from './brokerMessage.js';
import type { GuestTokens } from './guestTokens.js';
import { keys } from '../state/keys.js';
import type { Audience, SignalingModule } from './module.js';
import type { ParticipantRecord } from './participantRecord.js';
import { publishToRoom } from './roomPublisher.js';
import { RoomState } from './roomState.js';
import type { HostedSession, SessionHost, SignalingConfig } from './sessionHost.js';

export interface HubDependencies {
  controllerId: string;
  store: VolatileStore;
  broker: Broker;
  modules: readonly SignalingModule[];
  config: SignalingConfig;
  guestTokens: GuestTokens;
  verifyUserToken: (token: string) => Promise<VerifiedToken>;
  /** This controller's conference bridges. */
  bridges: BridgeRegistry;
  /** Which controller runs each conference's bridge, and the way to it (the hub starts and closes it). */
  media: BridgeRouter;
  /** TURN (and STUN) servers for a participant, credentials valid until `expiresAtMs`. Default: none. */
  iceServers?: (participantId: string, expiresAtMs: number) => IceServer[];
  log: FastifyBaseLogger;
}

/**
 * This controller's part of signaling: its local sessions per room, the broker bindings they
 * need, fan-out of broker messages to them, the controller heartbeat, and the sweep that marks
 * participants of dead controllers as left.
 */
export class SignalingHub implements SessionHost {
  readonly controllerId: string;
  readonly store: VolatileStore;
  readonly modules: readonly SignalingModule[];
  readonly config: SignalingConfig;
  readonly guestTokens: GuestTokens;
  readonly verifyUserToken: (token: string) => Promise<VerifiedToken>;
  readonly bridges: BridgeRegistry;
  readonly iceServers: (participantId: string, expiresAtMs: number) => IceServer[];
  /** Which controller runs each conference's bridge, and the way to it. */
  readonly media: BridgeRouter;
  readonly #broker: Broker;
  readonly #log: FastifyBaseLogger;
  readonly #rooms = new Map<string, Set<HostedSession>>();
  readonly #userBindings = new Map<string, number>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #pending = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(deps: HubDependencies) {
    this.controllerId = deps.controllerId;
    this.store = deps.store;
    this.modules = deps.modules;
    this.config = deps.config;
    this.guestTokens = deps.guestTokens;
    this.verifyUserToken = deps.verifyUserToken;
    this.bridges = deps.bridges;
    this.iceServers = deps.iceServers ?? (() => []);
    this.#broker = deps.broker;
    this.#log = deps.log;
    this.media = deps.media;
    this.#broker.onMessage((roomId, routingKey, message) => this.#onBrokerMessage(roomId, routingKey, message));
  }

  /** Starts the heartbeat, the dead-controller sweep and WebSocket pings. */
  async start(): Promise<void> {
    await this.#beat();
    this.bridges.start();
    this.media.start();
    const every = (ms: number, task: () => Promise<void> | void) => {
      const timer = setInterval(() => {
        Promise.resolve(task()).catch((error: unknown) => this.#log.warn({ err: error }, 'signaling housekeeping failed'));
      }, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(Math.max(500, this.config.heartbeatTtlMs / 3), () => this.#beat());
    every(Math.max(500, this.config.heartbeatTtlMs / 2), () => this.sweepDeadControllers());
    every(this.config.pingIntervalMs, () => this.#ping());
  }

  /**
   * Runs `task` once after `ms`, unless the hub closes first. Failures are logged. Sessions use
   * this for token expiry and resumption windows, so no timer outlives the hub.
   */
  later(ms: number, task: () => Promise<void> | void): { cancel(): void } {
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      if (this.#closed) return;
      Promise.resolve()
        .then(task)
        .catch((error: unknown) => this.#log.warn({ err: error }, 'signaling timer task failed'));
    }, ms);
    timer.unref();
    this.#pending.add(timer);
    return {
      cancel: () => {
        clearTimeout(timer);
        this.#pending.delete(timer);
      },
    };
  }

  roomState(roomId: string): RoomState {
    return new RoomState(this.store, roomId);
  }

  get sessionCount(): number {
    let count = 0;
    for (const sessions of this.#rooms.values()) count += sessions.size;
    return count;
  }

  async register(session: HostedSession): Promise<void> {
    const roomId = session.roomId;
    let sessions = this.#rooms.get(roomId);
    if (!sessions) {
      sessions = new Set();
      this.#rooms.set(roomId, sessions);
      await this.#broker.bind(roomId, routingKeys.room);
    }
    sessions.add(session);
    if (session.id) await this.#broker.bind(roomId, routingKeys.participant(session.id));
    if (session.userId) {
      const key = `${roomId}\n${session.userId}`;
      const count = this.#userBindings.get(key) ?? 0;
      this.#userBindings.set(key, count + 1);
      if (count === 0) await this.#broker.bind(roomId, routingKeys.user(session.userId));
    }
  }

  async unregister(session: HostedSession): Promise<void> {
    const roomId = session.roomId;
    const sessions = this.#rooms.get(roomId);
    if (!sessions?.delete(session)) return;
    if (session.id && ![...sessions].some((s) => s.id === session.id)) {
      await this.#broker.unbind(roomId, routingKeys.participant(session.id));
    }
    if (session.userId) {
      const key = `${roomId}\n${session.userId}`;
      const count = (this.#userBindings.get(key) ?? 1) - 1;
      if (count <= 0) {
        this.#userBindings.delete(key);
        await this.#broker.unbind(roomId, routingKeys.user(session.userId));
      } else this.#userBindings.set(key, count);
    }
    if (sessions.size === 0) {
      this.#rooms.delete(roomId);
      await this.#broker.unbind(roomId, routingKeys.room);
    }
  }

  publish(roomId: string, audience: Audience, message: BrokerMessage): Promise<void> {
    return publishToRoom(this.#broker, roomId, audience, message);
  }

  /** Removes a participant whose socket dropped and who did not come back in time. */
  async expireDisconnected(roomId: string, id: ParticipantId, connectionId: string): Promise<void> {
    // Not if it resumed meanwhile (a new connection, or joined again).
    await this.#announceLeft(roomId, id, (r) => r.state === 'disconnected' && r.connectionId === connectionId);
  }

  /** Participants held by controllers whose heartbeat has expired are shown as left. */
  async sweepDeadControllers(): Promise<void> {
    const alive = new Map<string, boolean>();
    for (const roomId of await this.store.setMembers(keys.activeRooms())) {
      for (const record of await this.roomState(roomId).participants()) {
        let isAlive = alive.get(record.controllerId);
        if (isAlive === undefined) {
          isAlive = (await this.store.get(keys.controller(record.controllerId))) !== undefined;
          alive.set(record.controllerId, isAlive);
        }
        const deadController = record.controllerId;
        if (!isAlive) await this.#announceLeft(roomId, record.id, (r) => r.controllerId === deadController);
      }
    }
  }

  /**
   * Graceful stop: every local participant leaves (the others see `left`), sockets close with
   * "server shutdown" so clients reconnect elsewhere, and the heartbeat is withdrawn.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    const sessions = [...this.#rooms.values()].flatMap((set) => [...set]);
    await Promise.all(sessions.map((session) => session.disconnect('quit', 4006).catch(() => undefined)));
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
    await this.media.close();
    await this.store.delete(keys.controller(this.controllerId)).catch(() => undefined);
  }

  /** Removes a participant whose connection is gone; whoever removes it announces it, once. */
  async #announceLeft(roomId: string, id: ParticipantId, onlyIf: (record: ParticipantRecord) => boolean): Promise<void> {
    const record = await this.roomState(roomId).remove(id, onlyIf);
    if (!record) return;
    // A waiting participant is known only to moderators, who drop it from the waiting list.
    await this.publish(roomId, { to: 'room', moderatorsOnly: record.state === 'waiting' }, {
      kind: 'event',
      namespace: 'control',
      timestamp: new Date().toISOString(),
      payload: { message: 'left', id, reason: 'timeout' },
    });
  }

  async #beat(): Promise<void> {
    await this.store.set(keys.controller(this.controllerId), String(Date.now()), { ttlMs: this.config.heartbeatTtlMs });
  }

  #ping(): void {
    for (const sessions of this.#rooms.values()) {
      for (const session of sessions) {
        if (!session.alive) {
          session.socket.terminate();
          continue;
        }
        session.alive = false;
        session.socket.ping();
      }
    }
  }

  #onBrokerMessage(roomId: string, routingKey: string, raw: unknown): void {
    if (isBridgeRoutingKey(routingKey)) {
      this.media.receive(roomId, raw);
      return;
    }
    const parsed = BrokerMessage.safeParse(raw);
    if (!parsed.success) {
      this.#log.warn({ roomId, routingKey }, 'dropped a malformed broker message');
      return;
    }
    const message = parsed.data;
    const sessions = this.#rooms.get(roomId);
    if (!sessions) return;
    for (const session of sessions) {
      if (!matches(session, routingKey)) continue;
      if (message.kind === 'event') {
        if (routingKey === routingKeys.room && session.state !== 'joined') continue;
        if (message.moderatorsOnly && session.role !== 'moderator') continue;
        if (message.except !== undefined && message.except === session.id) continue;
      }
      session.deliver(message);
    }
  }
}

function matches(session: HostedSession, routingKey: string): boolean {
  if (routingKey === routingKeys.room) return true;
  if (session.id && routingKey === routingKeys.participant(session.id)) return true;
  return session.userId !== null && routingKey === routingKeys.user(session.userId);
}
