import type { IceServer, LeaveReason, ParticipantId, Role } from '@plenum/protocol';
import type { WebSocket } from 'ws';
import type { BridgeRegistry } from '../bridge/conference/bridgeRegistry.js';
import type { BridgeRouter } from '../bridge/routing/bridgeRouter.js';
import type { VerifiedToken } from '../identity/tokenVerifier.js';
import type { VolatileStore } from '../state/volatileStore.js';
import type { BrokerMessage } from './brokerMessage.js';
import type { GuestTokens } from './guestTokens.js';
import type { Audience, SignalingModule } from './module.js';
import type { RoomState } from './roomState.js';

/** Signaling limits and timings; defaults in the configuration schema. */
export interface SignalingConfig {
  ratePerSecond: number;
  burst: number;
  /** After the token expires, how long a client has to refresh before it is disconnected. */
  tokenGraceSeconds: number;
  /** How long a dropped participant keeps its seat for resumption. */
  resumptionWindowSeconds: number;
  /** Interval of WebSocket pings; a connection that misses one is dropped. */
  pingIntervalMs: number;
  /** A controller not refreshing its heartbeat for this long counts as dead. */
  heartbeatTtlMs: number;
  /** A socket must send `control/join` within this time. */
  joinTimeoutMs: number;
}

/** Where a session is in its life: connected (no join yet), in the waiting room, in the meeting, gone. */
export type SessionState = 'connected' | 'waiting' | 'joined' | 'closed';

/** What the hub uses of a local session: routing of broker messages, pings, shutdown. */
export interface HostedSession {
  readonly roomId: string;
  readonly id: ParticipantId | undefined;
  readonly userId: string | null;
  readonly role: Role;
  readonly state: SessionState;
  readonly socket: WebSocket;
  /** Cleared before each ping, set by the pong. */
  alive: boolean;
  deliver(message: BrokerMessage): void;
  disconnect(reason: LeaveReason, code?: number): Promise<void>;
}

/**
 * What a session may use of its controller's signaling (the hub implements it): sessions
 * depend on this, not on the hub, so the two never import each other.
 */
export interface SessionHost {
  readonly controllerId: string;
  readonly store: VolatileStore;
  readonly modules: readonly SignalingModule[];
  readonly config: SignalingConfig;
  readonly guestTokens: GuestTokens;
  readonly bridges: Pick<BridgeRegistry, 'enabled'>;
  readonly media: Pick<BridgeRouter, 'prepare' | 'request' | 'watch' | 'stop'>;
  verifyUserToken(token: string): Promise<VerifiedToken>;
  iceServers(participantId: string, expiresAtMs: number): IceServer[];
  later(ms: number, task: () => Promise<void> | void): { cancel(): void };
  roomState(roomId: string): RoomState;
  register(session: HostedSession): Promise<void>;
  unregister(session: HostedSession): Promise<void>;
  publish(roomId: string, audience: Audience, message: BrokerMessage): Promise<void>;
  expireDisconnected(roomId: string, id: ParticipantId, connectionId: string): Promise<void>;
}
