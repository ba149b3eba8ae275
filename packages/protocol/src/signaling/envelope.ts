import { z } from 'zod';
import { SignalingErrorCode } from './common.js';

/** Largest frame the controller accepts, in bytes. */
export const maxFrameBytes = 64 * 1024;

/**
 * Client → controller: `{namespace, payload: {action, ...}}`. The envelope is checked first;
 * the payload is then checked against the namespace's command schema.
 */
export const CommandEnvelope = z.strictObject({
  namespace: z.string().min(1).max(32),
  payload: z.looseObject({ action: z.string().min(1).max(64) }),
});
export type CommandEnvelope = z.infer<typeof CommandEnvelope>;

/** Controller → client: `{namespace, timestamp, payload: {message, ...}}`. */
export function eventEnvelope<P extends z.ZodType>(namespace: string, payload: P) {
  return z.object({ namespace: z.literal(namespace), timestamp: z.iso.datetime(), payload });
}

/** The payload of an error event. `text` is for people; clients switch on `error`. */
export const ErrorPayload = z.object({
  message: z.literal('error'),
  error: SignalingErrorCode,
  text: z.string(),
});
export type ErrorPayload = z.infer<typeof ErrorPayload>;

/** Any event, as a client first sees it before dispatching on `namespace`. */
export const AnyEvent = z.object({
  namespace: z.string(),
  timestamp: z.iso.datetime(),
  payload: z.looseObject({ message: z.string() }),
});
export type AnyEvent = z.infer<typeof AnyEvent>;
