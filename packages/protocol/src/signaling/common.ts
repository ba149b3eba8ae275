import { z } from 'zod';
import { RoomId, UserId } from '../ids.js';
import { DisplayName } from '../rest/common.js';

/** A participant of one meeting: stable across reconnects within the resumption window. */
export const ParticipantId = z.uuid().brand<'ParticipantId'>();
export type ParticipantId = z.infer<typeof ParticipantId>;

/** The WebSocket subprotocol of this protocol version; the ticket goes in `ticket#<ticket>`. */
export const signalingSubprotocol = 'plenum-json-v1';
export const ticketSubprotocolPrefix = 'ticket#';

export const Role = z.enum(['moderator', 'user', 'guest']);
export type Role = z.infer<typeof Role>;

/** Why a participant left; shown to the others. */
export const LeaveReason = z.enum(['quit', 'timeout', 'kicked', 'banned', 'denied', 'sent_to_waiting_room', 'meeting_ended']);
export type LeaveReason = z.infer<typeof LeaveReason>;

/** What every participant sees of another. Modules add their part under `modules`. */
export const Participant = z.object({
  id: ParticipantId,
  displayName: DisplayName,
  role: Role,
  /** Users only; guests have none. */
  userId: UserId.nullable(),
  handRaised: z.boolean(),
  joinedAt: z.iso.datetime(),
  /** Per-module data about this participant, by namespace. */
  modules: z.record(z.string(), z.unknown()),
});
export type Participant = z.infer<typeof Participant>;

export const RoomInfo = z.object({
  id: RoomId,
  name: z.string(),
  ownerId: UserId,
});
export type RoomInfo = z.infer<typeof RoomInfo>;

/**
 * Stable error codes of signaling. An error arrives as an event
 * `{namespace, timestamp, payload: {message: 'error', error, text}}`: in the namespace of the
 * command that failed when that namespace is known, otherwise (size, rate, JSON, envelope,
 * unknown namespace, internal errors) in `control`.
 */
export const SignalingErrorCode = z.enum([
  'invalid_json',
  'frame_too_large',
  'invalid_envelope',
  'unknown_namespace',
  'unknown_action',
  'invalid_payload',
  'rate_limit_exceeded',
  'token_expired',
  'invalid_token',
  'not_joined',
  'already_joined',
  'in_waiting_room',
  'insufficient_permissions',
  'unknown_participant',
  'chat_disabled',
  'banned',
  'internal_error',
]);
export type SignalingErrorCode = z.infer<typeof SignalingErrorCode>;

/** WebSocket close codes the controller uses (4000–4999 are the application's). */
export const closeCodes = {
  /** The participant left with `control/leave`. */
  left: 4000,
  /** The access token expired and no `control/refresh_token` came within the grace period. */
  tokenExpired: 4001,
  /** Banned by a moderator. */
  banned: 4002,
  /** Removed by a moderator. */
  kicked: 4003,
  /** A moderator ended the meeting for everyone. */
  meetingEnded: 4004,
  /** Too many messages for too long. */
  rateLimited: 4005,
  /** The controller is shutting down: the others saw you leave; get a new ticket and join again. */
  serverShutdown: 4006,
  /** The same participant connected again elsewhere (resumption). */
  replaced: 4007,
  /** Denied entry from the waiting room. */
  denied: 4008,
  /** No `control/join` within the join timeout after the socket opened. */
  joinTimeout: 4009,
} as const;
