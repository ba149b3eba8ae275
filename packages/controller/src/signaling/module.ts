import type { IceConfiguration, LeaveReason, ParticipantId, Role, RoomInfo, SignalingErrorCode } from '@plenum/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { z } from 'zod';
import type { BridgeService, BridgeWatcher } from '../bridge/routing/bridgeService.js';
import type { VolatileStore } from '../state/volatileStore.js';
import type { BrokerMessage } from './brokerMessage.js';
import type { ParticipantRecord } from './participantRecord.js';

/** Where a broker message goes: everyone in the room, one participant, or every session of one user. */
export type Audience = { to: 'room'; moderatorsOnly?: boolean } | { to: 'participant'; id: ParticipantId } | { to: 'user'; id: string };

/** What a module learns of the participant it serves; role and name may change over time. */
export interface ModuleParticipant {
  readonly id: ParticipantId;
  readonly kind: 'user' | 'guest';
  readonly userId: string | null;
  readonly role: Role;
  readonly displayName: string;
}

/**
 * Everything a module instance may touch. Modules reach the store, the broker and other
 * participants only through this, never by importing each other or the runtime.
 */
export interface ModuleContext {
  readonly participant: ModuleParticipant;
  readonly room: RoomInfo;
  /** The room's stored settings, as they were when the participant joined. */
  readonly settings: { waitingRoom: boolean; videoCodec: 'vp8' | 'vp9' | 'av1' };
  readonly store: VolatileStore;
  /** A key of this module within this room; removed with the room. */
  key(name: string): string;
  /** Sends an event of this module's namespace to this participant. */
  send(payload: { message: string } & Record<string, unknown>): void;
  sendError(error: SignalingErrorCode, text: string): void;
  /** Sends an event of this module's namespace to an audience through the broker. */
  publishEvent(audience: Audience, payload: { message: string } & Record<string, unknown>): Promise<void>;
  /** Sends a message to this module's instances of an audience (their `onBrokerMessage`). */
  publishInternal(audience: Audience, payload: unknown): Promise<void>;
  /** Participants of the room (joined and waiting) as stored. */
  participants(): Promise<ParticipantRecord[]>;
  /** Capabilities of the runtime that modules may call. */
  runtime: {
    /** Disconnects this participant; others see `left` with the reason. */
    disconnect(reason: Exclude<LeaveReason, 'quit' | 'timeout'>): Promise<void>;
    /** Bans a user for the life of the room. */
    ban(userId: string): Promise<void>;
    /** Moves this waiting participant into the room. */
    admit(): Promise<void>;
    /** Moves this participant from the room into the waiting room. */
    sendToWaitingRoom(): Promise<void>;
    /** True while this participant waits in the waiting room. */
    isWaiting(): boolean;
    /** False when the controller runs without bridges (`PLENUM_BRIDGE_LAUNCHER=none`). */
    mediaEnabled: boolean;
    /** The conference's video bridge, wherever it runs (this controller or another). */
    bridge: ModuleBridge;
    /**
     * ICE servers for this participant's peer connections; TURN credentials last as long as
     * its current token (with the grace period), so only a checked participant can relay.
     */
    ice(): IceConfiguration;
  };
}

/**
 * A conference has one bridge, run by one controller (its owner). A module instance reaches it
 * only through its module's `BridgeService` on that controller, by request.
 */
export interface ModuleBridge {
  /** Starts the conference's bridge in the background if none runs yet. */
  prepare(): void;
  /**
   * Hands `body` to this module's `BridgeService` on the controller that runs the conference's
   * bridge and resolves with its result and the bridge it ran on. With `start`, a conference
   * without a bridge gets one; without, such a request rejects (`BridgeRpcError`, `no_bridge`).
   */
  request(body: unknown, options?: { start?: boolean }): Promise<{ bridgeId: string; result: unknown }>;
  /** Follows the conference's bridge for this participant; returns an unsubscribe function. */
  watch(watcher: BridgeWatcher): () => void;
}

/** What a module's bridge service may use: the broker, to reach participants on any controller. */
export interface BridgeServiceContext {
  publish(roomId: string, audience: Audience, message: BrokerMessage): Promise<void>;
  log: FastifyBaseLogger;
}

/** What a participant is let in as, decided by the modules before `join_success`. */
export type Admission = 'enter' | 'wait';

/** One module's state for one participant. All hooks are optional except `onCommand`. */
export interface ModuleInstance {
  /** May the participant enter now, or must they wait? Default: enter. */
  admission?(): Promise<Admission>;
  /** This module's part of `join_success`. */
  joinData?(): Promise<unknown>;
  /** A command of this namespace, already checked against `commandSchema`. */
  onCommand(command: unknown): Promise<void>;
  /** A message from `publishInternal` of this module (untrusted until parsed). */
  onBrokerMessage?(message: unknown): Promise<void>;
  /** The participant entered the waiting room (on join, or sent back). */
  onWaiting?(): Promise<void>;
  /** The participant left the waiting room (admitted, denied or gone). */
  onLeftWaitingRoom?(): Promise<void>;
  /** The participant's token was renewed (`control/refresh_token` accepted). */
  onTokenRefreshed?(): Promise<void>;
  /** The participant is leaving for good. */
  onLeave?(reason: LeaveReason): Promise<void>;
}

/** A signaling module: one namespace, its command schema, and a factory for instances. */
export interface SignalingModule {
  readonly namespace: string;
  readonly commandSchema: z.ZodType;
  /** Commands allowed while waiting in the waiting room (default none). */
  readonly allowedWhileWaiting?: readonly string[];
  /** Creates the participant's instance, or `undefined` to decline (e.g. not for guests). */
  init(context: ModuleContext): Promise<ModuleInstance | undefined>;
  /** The module's bridge service, made once per controller; see `BridgeService`. */
  bridgeService?(context: BridgeServiceContext): BridgeService;
}
