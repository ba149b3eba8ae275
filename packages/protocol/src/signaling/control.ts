import { z } from 'zod';
import { defineNamespace } from './namespace.js';
import { DisplayName } from '../rest/common.js';
import { ErrorPayload } from './envelope.js';
import { LeaveReason, Participant, ParticipantId, Role, RoomInfo } from './common.js';

export const controlNamespace = 'control';

/** Commands of the `control` namespace. */
export const ControlCommand = z.discriminatedUnion('action', [
  /** Enter the room. `resumption` continues an earlier participant (same ID and state). */
  z.strictObject({ action: z.literal('join'), displayName: DisplayName.optional(), resumption: z.string().max(64).optional() }),
  /** Leave for good (no resumption). */
  z.strictObject({ action: z.literal('leave') }),
  z.strictObject({ action: z.literal('raise_hand') }),
  z.strictObject({ action: z.literal('lower_hand') }),
  z.strictObject({ action: z.literal('set_display_name'), displayName: DisplayName }),
  /** Moderators only. */
  z.strictObject({ action: z.literal('grant_moderator'), target: ParticipantId }),
  /** Moderators only; the room owner stays moderator. */
  z.strictObject({ action: z.literal('revoke_moderator'), target: ParticipantId }),
  /** A fresh access token (users) or guest token (guests) for the same identity. */
  z.strictObject({ action: z.literal('refresh_token'), token: z.string().min(1).max(8192) }),
]);
export type ControlCommand = z.infer<typeof ControlCommand>;

export const JoinSuccess = z.object({
  message: z.literal('join_success'),
  id: ParticipantId,
  role: Role,
  displayName: DisplayName,
  room: RoomInfo,
  /** Everyone else in the room. */
  participants: z.array(Participant),
  /** Offer this in `join` after a dropped connection to keep ID and state. */
  resumption: z.string(),
  /** When the current token expires; refresh before. */
  tokenExpiresAt: z.iso.datetime(),
  /** Per-module data for this participant, by namespace (chat history, waiting list, ...). */
  modules: z.record(z.string(), z.unknown()),
});
export type JoinSuccess = z.infer<typeof JoinSuccess>;

/** Events of the `control` namespace. */
export const ControlEvent = z.discriminatedUnion('message', [
  JoinSuccess,
  z.object({ message: z.literal('join_blocked'), reason: z.enum(['banned']) }),
  z.object({ message: z.literal('joined'), participant: Participant }),
  z.object({ message: z.literal('left'), id: ParticipantId, reason: LeaveReason }),
  z.object({ message: z.literal('update'), participant: Participant }),
  z.object({ message: z.literal('token_refreshed'), tokenExpiresAt: z.iso.datetime() }),
  /** Sent once the token has expired: refresh within `graceSeconds` or be disconnected. */
  z.object({ message: z.literal('token_expiring'), graceSeconds: z.number() }),
  ErrorPayload,
]);
export type ControlEvent = z.infer<typeof ControlEvent>;

/** The `control` namespace, as the list in namespaces.ts holds it. */
export const controlDefinition = defineNamespace({ name: controlNamespace, commands: ControlCommand, events: ControlEvent, joinData: null, });
