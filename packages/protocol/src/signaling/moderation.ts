import { z } from 'zod';
import { defineNamespace } from './namespace.js';
import { ErrorPayload } from './envelope.js';
import { Participant, ParticipantId } from './common.js';

export const moderationNamespace = 'moderation';

/** Commands of the `moderation` namespace; all for moderators only. */
export const ModerationCommand = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('kick'), target: ParticipantId }),
  /** Bans the participant's user account for the life of the room (guests: kicked). */
  z.strictObject({ action: z.literal('ban'), target: ParticipantId }),
  z.strictObject({ action: z.literal('enable_waiting_room') }),
  /** Also admits everybody waiting. */
  z.strictObject({ action: z.literal('disable_waiting_room') }),
  z.strictObject({ action: z.literal('accept'), target: ParticipantId }),
  z.strictObject({ action: z.literal('deny'), target: ParticipantId }),
  z.strictObject({ action: z.literal('send_to_waiting_room'), target: ParticipantId }),
  z.strictObject({ action: z.literal('end_meeting') }),
  /** Asks the targets to mute (a request to their clients; enforcement at the bridge comes with the media namespace). */
  z.strictObject({ action: z.literal('request_mute'), targets: z.array(ParticipantId).min(1).max(1000) }),
]);
export type ModerationCommand = z.infer<typeof ModerationCommand>;

export const ModerationEvent = z.discriminatedUnion('message', [
  z.object({ message: z.literal('kicked') }),
  z.object({ message: z.literal('banned') }),
  z.object({ message: z.literal('meeting_ended') }),
  z.object({ message: z.literal('waiting_room_enabled') }),
  z.object({ message: z.literal('waiting_room_disabled') }),
  /** To the participant: you wait until a moderator admits you. */
  z.object({ message: z.literal('in_waiting_room') }),
  z.object({ message: z.literal('denied') }),
  /** To moderators. */
  z.object({ message: z.literal('joined_waiting_room'), participant: Participant }),
  z.object({ message: z.literal('left_waiting_room'), id: ParticipantId }),
  z.object({ message: z.literal('mute_requested'), by: ParticipantId }),
  ErrorPayload,
]);
export type ModerationEvent = z.infer<typeof ModerationEvent>;

/** The moderation part of `join_success`. `waitingList` only for moderators. */
export const ModerationJoinData = z.object({
  waitingRoomEnabled: z.boolean(),
  waitingList: z.array(Participant).optional(),
});
export type ModerationJoinData = z.infer<typeof ModerationJoinData>;

/** The `moderation` namespace, as the list in namespaces.ts holds it. */
export const moderationDefinition = defineNamespace({ name: moderationNamespace, commands: ModerationCommand, events: ModerationEvent, joinData: ModerationJoinData, });
