import { randomUUID } from 'node:crypto';
import {
  ControlCommand,
  closeCodes,
  controlNamespace,
  type LeaveReason,
  type ParticipantId,
  type Role,
  type SignalingErrorCode,
  type UserId,
} from '@plenum/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { randomToken, sha256 } from '../security/randomToken.js';
import type { TicketGrant } from '../tickets/ticketStore.js';
import { TokenError } from '../identity/tokenVerifier.js';
import { ControlInternal, type BrokerMessage } from './brokerMessage.js';
import type { HostedSession, SessionHost, SessionState } from './sessionHost.js';
import { initialRole, type SignalingRoom } from './identity.js';
import { keys } from '../state/keys.js';
import type { Audience, ModuleContext, ModuleInstance, SignalingModule } from './module.js';
import { publicParticipant, type ParticipantRecord } from './participantRecord.js';
import { RateLimiter } from './rateLimiter.js';
import { ResumptionRecord } from './sessionSupport.js';
import { answerIn, gateFrame, parseCommand, type RawCommand, type Refusal } from './frameGate.js';

type State = SessionState;

/** Upper bound for a resumption token's life while its participant is connected. */
const resumptionWhileJoinedMs = 12 * 3600_000;

const leaveCloseCodes: Partial<Record<LeaveReason, number>> = {
  kicked: closeCodes.kicked,
  banned: closeCodes.banned,
  denied: closeCodes.denied,
  meeting_ended: closeCodes.meetingEnded,
  quit: closeCodes.left,
};

/**
 * One signaling connection. Every frame passes the same gate before anything happens: size,
 * rate, JSON and envelope, a still-valid token, and no ban. Frames are handled one at a time,
 * in order; so are broker orders for this participant.
 */
export class SignalingSession implements HostedSession {
  readonly connectionId = randomUUID();
  readonly #hub: SessionHost;
  readonly #socket: WebSocket;
  readonly #room: SignalingRoom;
  readonly #log: FastifyBaseLogger;
  readonly #limiter: RateLimiter;
  readonly #grant: TicketGrant;
  readonly #modules = new Map<string, { module: SignalingModule; instance: ModuleInstance }>();
  #state: State = 'connected';
  #queue: Promise<void> = Promise.resolve();
  #tokenExpiresAt: number;
  #tokenTimers: { cancel(): void }[] = [];
  #resumption = '';
  #id: ParticipantId | undefined;
  #role: Role = 'user';
  #displayName: string;
  alive = true;

  constructor(hub: SessionHost, socket: WebSocket, grant: TicketGrant, room: SignalingRoom, log: FastifyBaseLogger) {
    this.#hub = hub;
    this.#socket = socket;
    this.#grant = grant;
    this.#room = room;
    this.#log = log;
    this.#displayName = grant.displayName;
    this.#tokenExpiresAt = Date.parse(grant.tokenExpiresAt);
    this.#limiter = new RateLimiter({ ratePerSecond: hub.config.ratePerSecond, burst: hub.config.burst });
    this.#scheduleTokenExpiry();
    // A socket that never joins would hold a connection forever: it gets a fixed time to join.
    hub.later(hub.config.joinTimeoutMs, () => {
      if (this.#state === 'connected') this.#close(closeCodes.joinTimeout, 'join timeout');
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => this.#enqueue(() => this.#onFrame(data, isBinary)));
    socket.on('close', () => this.#enqueue(() => this.#onSocketClosed()));
    socket.on('pong', () => (this.alive = true));
    socket.on('error', (error) => this.#log.debug({ err: error }, 'signaling socket error'));
  }

  get id(): ParticipantId | undefined {
    return this.#id;
  }
  get roomId(): string {
    return this.#room.id;
  }
  get userId(): string | null {
    return this.#grant.kind === 'user' ? this.#grant.userId : null;
  }
  get role(): Role {
    return this.#role;
  }
  get state(): State {
    return this.#state;
  }
  get socket(): WebSocket {
    return this.#socket;
  }

  /** A broker message addressed to this participant; handled in order with its frames. */
  deliver(message: BrokerMessage): void {
    if (this.#state === 'closed') return;
    if (message.kind === 'event') {
      this.#sendRaw(message.namespace, message.payload, message.timestamp);
      return;
    }
    this.#enqueue(async () => {
      if (message.namespace === controlNamespace) return this.#onControlInternal(message.payload);
      await this.#modules.get(message.namespace)?.instance.onBrokerMessage?.(message.payload);
    });
  }

  /** Leaves for good and closes the socket; used on shutdown and by moderation. */
  async disconnect(reason: LeaveReason, code = leaveCloseCodes[reason] ?? closeCodes.left): Promise<void> {
    try {
      await this.#leave(reason);
    } finally {
      // Even if the store failed us, the client must not be left on a dead session.
      this.#close(code, reason);
    }
  }

  // --- incoming frames -------------------------------------------------------------------

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task).catch((error: unknown) => {
      this.#log.error({ err: error }, 'signaling task failed');
      if (this.#state !== 'closed') this.#sendError(controlNamespace, 'internal_error', 'internal error');
    });
  }

  async #onFrame(data: Buffer, isBinary: boolean): Promise<void> {
    if (this.#state === 'closed') return;
    const gate = gateFrame(data, isBinary, { rate: this.#limiter.take(), now: Date.now(), tokenExpiresAt: this.#tokenExpiresAt });
    if (gate.kind === 'abuse') return this.disconnect('quit', closeCodes.rateLimited);
    if (gate.kind === 'refuse') return this.#refuse(gate.refusal);
    const { command } = gate;
    const joining = command.namespace === controlNamespace && command.payload.action === 'join';
    if (!joining && this.#grant.kind === 'user' && (await this.#hub.roomState(this.#room.id).isBanned(this.#grant.userId))) {
      this.#sendError(command.namespace, 'banned', 'you are banned from this room');
      return this.disconnect('banned');
    }
    if (command.namespace === controlNamespace) return this.#onControl(command);
    return this.#onModuleCommand(command);
  }

  async #onModuleCommand(raw: RawCommand): Promise<void> {
    const { namespace, payload } = raw;
    const module = this.#hub.modules.find((m) => m.namespace === namespace);
    if (!module) return this.#sendError(namespace, 'unknown_namespace', `unknown namespace "${namespace.slice(0, 32)}"`);
    const parsed = parseCommand(module.commandSchema, raw);
    // An unknown action is refused before the session's state is looked at.
    if (!parsed.ok && parsed.refusal.error === 'unknown_action') return this.#refuse(parsed.refusal);
    if (this.#state === 'connected') return this.#sendError(namespace, 'not_joined', 'join first');
    if (this.#state === 'waiting' && !module.allowedWhileWaiting?.includes(payload.action)) {
      return this.#sendError(namespace, 'in_waiting_room', 'not allowed while in the waiting room');
    }
    if (!parsed.ok) return this.#refuse(parsed.refusal);
    const entry = this.#modules.get(namespace);
    if (!entry) return this.#sendError(namespace, 'unknown_namespace', 'module not available for you');
    await entry.instance.onCommand(parsed.command);
  }

  async #onControl(raw: RawCommand): Promise<void> {
    const parsed = parseCommand(ControlCommand, raw);
    if (!parsed.ok) return this.#refuse(parsed.refusal);
    const { command } = parsed;
    if (command.action === 'refresh_token') return this.#refreshToken(command.token);
    if (command.action === 'join') {
      if (this.#state !== 'connected') return this.#sendError(controlNamespace, 'already_joined', 'already joined');
      return this.#join(command.displayName, command.resumption);
    }
    if (this.#state === 'connected') return this.#sendError(controlNamespace, 'not_joined', 'join first');
    if (command.action === 'leave') return this.disconnect('quit');
    if (this.#state !== 'joined') return this.#sendError(controlNamespace, 'in_waiting_room', 'not allowed while in the waiting room');
    switch (command.action) {
      case 'raise_hand':
      case 'lower_hand':
        return this.#updateSelf((r) => ({ ...r, handRaised: command.action === 'raise_hand' }));
      case 'set_display_name':
        this.#displayName = command.displayName;
        return this.#updateSelf((r) => ({ ...r, displayName: command.displayName }));
      case 'grant_moderator':
      case 'revoke_moderator':
        return this.#changeModerator(command.target, command.action === 'grant_moderator');
    }
  }

  // --- joining and leaving ---------------------------------------------------------------

  async #join(requestedName: string | undefined, resumption: string | undefined): Promise<void> {
    const state = this.#hub.roomState(this.#room.id);
    if (this.#grant.kind === 'user' && (await state.isBanned(this.#grant.userId))) {
      this.#send(controlNamespace, { message: 'join_blocked', reason: 'banned' });
      return this.#close(closeCodes.banned, 'banned');
    }
    const resumed = resumption ? await this.#resume(resumption) : undefined;
    const granted = this.#grant.kind === 'user' && (await state.isGrantedModerator(this.#grant.userId));
    this.#role = initialRole(this.#grant, this.#room, granted);
    this.#displayName = resumed?.displayName ?? requestedName ?? this.#grant.displayName;
    this.#id = resumed?.id ?? (randomUUID() as ParticipantId);
    this.#resumption = randomToken(32);

    for (const module of this.#hub.modules) {
      const instance = await module.init(this.#moduleContext(module.namespace));
      if (instance) this.#modules.set(module.namespace, { module, instance });
    }
    const admissions = await Promise.all([...this.#modules.values()].map((m) => m.instance.admission?.() ?? Promise.resolve('enter')));
    const waiting = resumed?.state !== 'joined' && resumed?.state !== 'disconnected' && admissions.includes('wait');

    const record: ParticipantRecord = {
      id: this.#id,
      displayName: this.#displayName,
      role: this.#role,
      userId: this.userId,
      kind: this.#grant.kind,
      handRaised: resumed?.handRaised ?? false,
      joinedAt: resumed?.joinedAt ?? new Date().toISOString(),
      state: waiting ? 'waiting' : 'joined',
      controllerId: this.#hub.controllerId,
      connectionId: this.connectionId,
      modules: {},
    };
    await state.put(record);
    await this.#hub.register(this);
    if (resumed) await this.#hub.publish(this.#room.id, { to: 'participant', id: resumed.id }, controlInternal({ type: 'replaced', connectionId: resumed.connectionId }));

    if (waiting) {
      this.#state = 'waiting';
      for (const { instance } of this.#modules.values()) await instance.onWaiting?.();
      return;
    }
    await this.#enter(record, resumed !== undefined);
  }

  /** A valid resumption token of this room and identity gives back the participant's record. */
  async #resume(token: string): Promise<ParticipantRecord | undefined> {
    const stored = await this.#hub.store.getDelete(keys.resumption(sha256(token)));
    const parsed = stored === undefined ? undefined : ResumptionRecord.safeParse(JSON.parse(stored));
    if (!parsed?.success) return undefined;
    const { roomId, participantId, identity } = parsed.data;
    // Users resume only as themselves. A guest has no lasting identity (each invite use is a new
    // guest), so for guests the secret token alone counts.
    const sameIdentity = identity === this.#identityKey() || (this.#grant.kind === 'guest' && identity.startsWith('guest:'));
    if (roomId !== this.#room.id || !sameIdentity) return undefined;
    return this.#hub.roomState(roomId).get(participantId as ParticipantId);
  }

  async #enter(record: ParticipantRecord, resumed: boolean): Promise<void> {
    this.#state = 'joined';
    // Kept while joined, so that a client whose old socket the server still thinks open can
    // resume at once; shortened to the resumption window when the socket drops.
    const resumption: ResumptionRecord = { roomId: this.#room.id, participantId: record.id, identity: this.#identityKey() };
    await this.#hub.store.set(keys.resumption(sha256(this.#resumption)), JSON.stringify(resumption), { ttlMs: resumptionWhileJoinedMs });
    const participant = publicParticipant(record);
    // The participant learns about itself from join_success, not from its own `joined`.
    await this.#hub.publish(this.#room.id, { to: 'room' }, {
      kind: 'event',
      namespace: controlNamespace,
      timestamp: new Date().toISOString(),
      payload: resumed ? { message: 'update', participant } : { message: 'joined', participant },
      except: record.id,
    });
    const others = (await this.#hub.roomState(this.#room.id).participants()).filter((p) => p.id !== record.id && p.state !== 'waiting');
    const moduleData: Record<string, unknown> = {};
    for (const [namespace, { instance }] of this.#modules) moduleData[namespace] = (await instance.joinData?.()) ?? {};
    this.#send(controlNamespace, {
      message: 'join_success',
      id: record.id,
      role: this.#role,
      displayName: this.#displayName,
      room: { id: this.#room.id, name: this.#room.name, ownerId: this.#room.ownerId },
      participants: others.map(publicParticipant),
      resumption: this.#resumption,
      tokenExpiresAt: new Date(this.#tokenExpiresAt).toISOString(),
      modules: moduleData,
    });
  }

  async #leave(reason: LeaveReason): Promise<void> {
    const id = this.#id;
    const wasState = this.#state;
    this.#state = 'closed';
    this.#clearTimers();
    if (!id || wasState === 'connected' || wasState === 'closed') return;
    for (const { instance } of this.#modules.values()) {
      if (wasState === 'waiting') await instance.onLeftWaitingRoom?.();
      await instance.onLeave?.(reason);
    }
    if (wasState === 'joined') {
      await this.#hub.store.delete(keys.resumption(sha256(this.#resumption)));
      await this.#publishEvent({ to: 'room' }, controlNamespace, { message: 'left', id, reason });
    }
    await this.#hub.unregister(this);
    await this.#hub.roomState(this.#room.id).remove(id);
    // An ended meeting does not wait for the grace period: its bridge and data go now.
    if (reason === 'meeting_ended') await this.#hub.media.stop(this.#room.id);
  }

  /** A dropped socket may come back within the resumption window; until then the seat is kept. */
  async #onSocketClosed(): Promise<void> {
    if (this.#state === 'closed') return;
    const id = this.#id;
    if (this.#state !== 'joined' || !id) return this.#leave('quit');
    this.#state = 'closed';
    this.#clearTimers();
    await this.#hub.unregister(this);
    const window = this.#hub.config.resumptionWindowSeconds * 1000;
    const record = await this.#hub.roomState(this.#room.id).update(id, (r) =>
      r.connectionId === this.connectionId ? { ...r, state: 'disconnected' } : r,
    );
    if (record?.connectionId !== this.connectionId) return;
    await this.#hub.store.expire(keys.resumption(sha256(this.#resumption)), window);
    this.#hub.later(window, () => this.#hub.expireDisconnected(this.#room.id, id, this.connectionId));
  }

  async #onControlInternal(raw: unknown): Promise<void> {
    const message = ControlInternal.safeParse(raw);
    if (!message.success) return;
    if (message.data.type === 'replaced') {
      if (message.data.connectionId !== this.connectionId || this.#state === 'closed') return;
      // Another connection took over this participant: go quietly, without a `left`.
      this.#state = 'closed';
      this.#clearTimers();
      await this.#hub.unregister(this);
      return this.#close(closeCodes.replaced, 'resumed elsewhere');
    }
    if (this.#state !== 'joined' || this.userId === this.#room.ownerId) return;
    this.#role = message.data.moderator ? 'moderator' : 'user';
    await this.#updateSelf((r) => ({ ...r, role: this.#role }));
  }

  // --- control actions -------------------------------------------------------------------

  async #updateSelf(change: (record: ParticipantRecord) => ParticipantRecord): Promise<void> {
    if (!this.#id) return;
    const record = await this.#hub.roomState(this.#room.id).update(this.#id, change);
    if (record) await this.#publishEvent({ to: 'room' }, controlNamespace, { message: 'update', participant: publicParticipant(record) });
  }

  async #changeModerator(target: ParticipantId, moderator: boolean): Promise<void> {
    if (this.#role !== 'moderator') return this.#sendError(controlNamespace, 'insufficient_permissions', 'only moderators may do this');
    const record = await this.#hub.roomState(this.#room.id).get(target);
    if (!record) return this.#sendError(controlNamespace, 'unknown_participant', 'no such participant in the room');
    if (!record.userId) return this.#sendError(controlNamespace, 'insufficient_permissions', 'guests cannot be moderators');
    if (record.userId === this.#room.ownerId) return this.#sendError(controlNamespace, 'insufficient_permissions', 'the room owner stays moderator');
    await this.#hub.roomState(this.#room.id).setGrantedModerator(record.userId, moderator);
    await this.#hub.publish(this.#room.id, { to: 'user', id: record.userId }, controlInternal({ type: 'role', moderator }));
  }

  async #refreshToken(token: string): Promise<void> {
    let expiresAt: number;
    if (this.#grant.kind === 'user') {
      try {
        const verified = await this.#hub.verifyUserToken(token);
        if (verified.issuer !== this.#grant.issuer || verified.subject !== this.#grant.subject) {
          return this.#sendError(controlNamespace, 'invalid_token', 'the token belongs to someone else');
        }
        expiresAt = verified.expiresAt.getTime();
      } catch (error) {
        const expired = error instanceof TokenError && error.code === 'token_expired';
        return this.#sendError(controlNamespace, expired ? 'token_expired' : 'invalid_token', 'the token was refused');
      }
    } else {
      const guest = await this.#hub.guestTokens.verify(token);
      if (guest?.guestId !== this.#grant.guestId || guest.roomId !== this.#room.id) {
        return this.#sendError(controlNamespace, 'invalid_token', 'the guest token was refused');
      }
      expiresAt = Date.parse(guest.expiresAt);
    }
    this.#tokenExpiresAt = expiresAt;
    this.#scheduleTokenExpiry();
    this.#send(controlNamespace, { message: 'token_refreshed', tokenExpiresAt: new Date(expiresAt).toISOString() });
    for (const { instance } of this.#modules.values()) await instance.onTokenRefreshed?.();
  }

  #scheduleTokenExpiry(): void {
    this.#clearTimers();
    const untilExpiry = Math.max(0, this.#tokenExpiresAt - Date.now());
    const grace = this.#hub.config.tokenGraceSeconds;
    this.#tokenTimers = [
      this.#hub.later(untilExpiry, () => this.#send(controlNamespace, { message: 'token_expiring', graceSeconds: grace })),
      this.#hub.later(untilExpiry + grace * 1000, () => this.#enqueue(() => this.disconnect('timeout', closeCodes.tokenExpired))),
    ];
  }

  #clearTimers(): void {
    for (const timer of this.#tokenTimers) timer.cancel();
    this.#tokenTimers = [];
  }

  // --- module context --------------------------------------------------------------------

  #moduleContext(namespace: string): ModuleContext {
    const participant = () => {
      if (!this.#id) throw new Error('module used before join');
      return { id: this.#id, kind: this.#grant.kind, userId: this.userId, role: this.#role, displayName: this.#displayName };
    };
    return {
      get participant() {
        return participant();
      },
      room: { id: this.#room.id as ModuleContext['room']['id'], name: this.#room.name, ownerId: this.#room.ownerId as UserId },
      settings: { waitingRoom: this.#room.waitingRoom, videoCodec: this.#room.videoCodec },
      store: this.#hub.store,
      key: (name) => keys.module(this.#room.id, namespace, name),
      send: (payload) => this.#send(namespace, payload),
      sendError: (error, text) => this.#sendError(namespace, error, text),
      publishEvent: (audience, payload) => this.#publishEvent(audience, namespace, payload),
      publishInternal: (audience, payload) => this.#hub.publish(this.#room.id, audience, { kind: 'internal', namespace, payload }),
      participants: () => this.#hub.roomState(this.#room.id).participants(),
      runtime: {
        disconnect: (reason) => this.disconnect(reason),
        ban: (userId) => this.#hub.roomState(this.#room.id).ban(userId),
        admit: () => this.#admit(),
        sendToWaitingRoom: () => this.#sendToWaitingRoom(),
        isWaiting: () => this.#state === 'waiting',
        mediaEnabled: this.#hub.bridges.enabled,
        bridge: {
          prepare: () => this.#hub.media.prepare(this.#room.id, this.#room.videoCodec),
          request: (body, options) =>
            this.#hub.media.request(this.#room.id, { namespace, participant: participant().id, codec: this.#room.videoCodec, start: options?.start ?? false, body }),
          watch: (watcher) => this.#hub.media.watch(this.#room.id, participant().id, watcher),
        },
        ice: () => {
          // A relay is worth no more than the token it was given for: it ends with the grace period.
          const expiresAt = this.#tokenExpiresAt + this.#hub.config.tokenGraceSeconds * 1000;
          const iceServers = this.#hub.iceServers(participant().id, expiresAt);
          return iceServers.length > 0 ? { iceServers, expiresAt: new Date(expiresAt).toISOString() } : { iceServers };
        },
      },
    };
  }

  async #admit(): Promise<void> {
    if (this.#state !== 'waiting' || !this.#id) return;
    const record = await this.#hub.roomState(this.#room.id).update(this.#id, (r) => ({ ...r, state: 'joined' }));
    if (!record) return;
    for (const { instance } of this.#modules.values()) await instance.onLeftWaitingRoom?.();
    await this.#enter(record, false);
  }

  async #sendToWaitingRoom(): Promise<void> {
    if (this.#state !== 'joined' || !this.#id) return;
    const id = this.#id;
    await this.#publishEvent({ to: 'room' }, controlNamespace, { message: 'left', id, reason: 'sent_to_waiting_room' });
    await this.#hub.roomState(this.#room.id).update(id, (r) => ({ ...r, state: 'waiting', handRaised: false }));
    this.#state = 'waiting';
    for (const { instance } of this.#modules.values()) await instance.onWaiting?.();
  }

  // --- output ----------------------------------------------------------------------------

  #publishEvent(audience: Audience, namespace: string, payload: { message: string } & Record<string, unknown>): Promise<void> {
    return this.#hub.publish(this.#room.id, audience, { kind: 'event', namespace, timestamp: new Date().toISOString(), payload });
  }

  #send(namespace: string, payload: { message: string } & Record<string, unknown>): void {
    this.#sendRaw(namespace, payload, new Date().toISOString());
  }

  #sendRaw(namespace: string, payload: unknown, timestamp: string): void {
    if (this.#socket.readyState !== this.#socket.OPEN) return;
    this.#socket.send(JSON.stringify({ namespace, timestamp, payload }));
  }

  #sendError(namespace: string, error: SignalingErrorCode, text: string): void {
    this.#send(answerIn(namespace, (name) => this.#hub.modules.some((m) => m.namespace === name)), { message: 'error', error, text });
  }

  #refuse(refusal: Refusal): void {
    this.#sendError(refusal.namespace, refusal.error, refusal.text);
  }

  #close(code: number, reason: string): void {
    this.#state = 'closed';
    this.#clearTimers();
    if (this.#socket.readyState === this.#socket.OPEN || this.#socket.readyState === this.#socket.CONNECTING) {
      this.#socket.close(code, reason);
    }
  }

  #identityKey(): string {
    return this.#grant.kind === 'user' ? `user:${this.#grant.userId}` : `guest:${this.#grant.guestId}`;
  }
}

function controlInternal(payload: ControlInternal): BrokerMessage {
  return { kind: 'internal', namespace: controlNamespace, payload };
}
