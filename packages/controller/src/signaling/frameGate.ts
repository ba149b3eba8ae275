import { CommandEnvelope, controlNamespace, maxFrameBytes, type SignalingErrorCode } from '@plenum/protocol';
import type { z } from 'zod';
import { actionsOf } from './sessionSupport.js';

/** A command as it arrived: its namespace, and its payload with an `action`, not yet checked against the namespace's schema. */
export interface RawCommand {
  namespace: string;
  payload: { action: string } & Record<string, unknown>;
}

/** What the gate refuses, with the namespace to answer in (the client's only if it is known; see `answerIn`). */
export interface Refusal {
  namespace: string;
  error: SignalingErrorCode;
  text: string;
}

/** What the gate decided about one frame: pass it on, refuse it with an error, or drop the connection. */
export type GateResult = { kind: 'command'; command: RawCommand } | { kind: 'refuse'; refusal: Refusal } | { kind: 'abuse' };

/**
 * The checks every frame passes before anything else happens, in this order: rate (every frame
 * costs a token, oversized ones too), size, text, JSON, envelope, and a still-valid token
 * (only `control/refresh_token` passes an expired one). Pure: the caller takes the rate token
 * and knows the clock and the token's expiry.
 */
export function gateFrame(data: Buffer, isBinary: boolean, context: { rate: 'ok' | 'limited' | 'abuse'; now: number; tokenExpiresAt: number }): GateResult {
  const refuse = (error: SignalingErrorCode, text: string, namespace = controlNamespace): GateResult => ({ kind: 'refuse', refusal: { namespace, error, text } });
  if (context.rate === 'abuse') return { kind: 'abuse' };
  if (context.rate === 'limited') return refuse('rate_limit_exceeded', 'too many messages; slow down');
  if (data.length > maxFrameBytes) return refuse('frame_too_large', `frames are limited to ${maxFrameBytes} bytes`);
  if (isBinary) return refuse('invalid_json', 'frames must be JSON text');
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch {
    return refuse('invalid_json', 'frame is not valid JSON');
  }
  const envelope = CommandEnvelope.safeParse(json);
  if (!envelope.success) return refuse('invalid_envelope', 'expected {namespace, payload: {action, ...}}');
  // Commands are checked against the payload as received: the envelope's parsed copy drops a
  // `__proto__` key, which the strict command schemas must refuse like any other unknown key.
  const { namespace } = envelope.data;
  const { payload } = json as CommandEnvelope;
  const refreshing = namespace === controlNamespace && payload.action === 'refresh_token';
  if (!refreshing && context.now >= context.tokenExpiresAt) return refuse('token_expired', 'the access token has expired; send control/refresh_token', namespace);
  return { kind: 'command', command: { namespace, payload } };
}

/** The command parsed by its namespace's schema, or why not: an unknown action has its own code. */
export function parseCommand<S extends z.ZodType>(schema: S, command: RawCommand): { ok: true; command: z.infer<S> } | { ok: false; refusal: Refusal } {
  const { namespace, payload } = command;
  if (!actionsOf(schema).has(payload.action)) {
    return { ok: false, refusal: { namespace, error: 'unknown_action', text: `unknown action "${payload.action.slice(0, 64)}"` } };
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) return { ok: false, refusal: { namespace, error: 'invalid_payload', text: describeIssue(parsed.error.issues[0]) } };
  return { ok: true, command: parsed.data };
}

/** The namespace an answer goes to: the client's if it is one of ours, so an attacker's string is never reflected. */
export function answerIn(namespace: string, known: (namespace: string) => boolean): string {
  return namespace === controlNamespace || known(namespace) ? namespace : controlNamespace;
}

function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (!issue) return 'invalid payload';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
