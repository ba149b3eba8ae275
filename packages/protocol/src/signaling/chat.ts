import { z } from 'zod';
import { defineNamespace } from './namespace.js';
import { ErrorPayload } from './envelope.js';
import { ParticipantId } from './common.js';

export const chatNamespace = 'chat';

/** Longest chat message, in characters. */
export const maxChatMessageLength = 4000;
/** How many room messages a late joiner receives. */
export const chatHistoryLength = 100;

export const ChatCommand = z.discriminatedUnion('action', [
  /** `target` set: a private message to that participant only. */
  z.strictObject({
    action: z.literal('send_message'),
    content: z.string().trim().min(1).max(maxChatMessageLength),
    target: ParticipantId.optional(),
  }),
  /** Moderators only. */
  z.strictObject({ action: z.literal('enable_chat') }),
  z.strictObject({ action: z.literal('disable_chat') }),
  z.strictObject({ action: z.literal('clear_history') }),
]);
export type ChatCommand = z.infer<typeof ChatCommand>;

export const ChatMessage = z.object({
  id: z.uuid(),
  source: ParticipantId,
  /** Set for private messages. */
  target: ParticipantId.nullable(),
  content: z.string(),
  timestamp: z.iso.datetime(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ChatEvent = z.discriminatedUnion('message', [
  z.object({ message: z.literal('message_sent'), chatMessage: ChatMessage }),
  z.object({ message: z.literal('chat_enabled'), by: ParticipantId }),
  z.object({ message: z.literal('chat_disabled'), by: ParticipantId }),
  z.object({ message: z.literal('history_cleared'), by: ParticipantId }),
  ErrorPayload,
]);
export type ChatEvent = z.infer<typeof ChatEvent>;

/** The chat part of `join_success`: room history plus my private conversations. */
export const ChatJoinData = z.object({ enabled: z.boolean(), history: z.array(ChatMessage) });
export type ChatJoinData = z.infer<typeof ChatJoinData>;

/** The `chat` namespace, as the list in namespaces.ts holds it. */
export const chatDefinition = defineNamespace({ name: chatNamespace, commands: ChatCommand, events: ChatEvent, joinData: ChatJoinData, });
