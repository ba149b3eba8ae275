import { CodedError } from '../errors.js';

/**
 * Checks and encoding shared by both `Broker` implementations, so that they accept and refuse
 * exactly the same input (the contract tests run on both).
 */

/** Thrown by every `Broker` method called after `close()`. */
export class BrokerClosedError extends CodedError<'closed'> {
  override readonly name = 'BrokerClosedError';
  constructor() {
    super('closed', 'broker is closed');
  }
}

// No dots, `*` or `#`: a room ID becomes part of an exchange name, and a routing key is
// matched by topic patterns, so wildcards from outside must never get there.
const roomIdPattern = /^[A-Za-z0-9_-]{1,128}$/;
// Dot-separated words, none empty: `participant.<id>`, never `participant.*` or `a..b`.
const routingKeyPattern = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
// AMQP short strings (exchange names, routing keys) hold at most 255 bytes.
const maxRoutingKeyLength = 255;
const maxExchangePrefixLength = 100;

/** Throws a `TypeError` unless `roomId` and `routingKey` are safe to hand to a broker. */
export function checkAddress(roomId: string, routingKey: string): void {
  if (!roomIdPattern.test(roomId)) throw new TypeError(`invalid room ID ${quote(roomId)}`);
  if (routingKey.length > maxRoutingKeyLength || !routingKeyPattern.test(routingKey)) {
    throw new TypeError(`invalid routing key ${quote(routingKey)}`);
  }
}

/** Throws a `TypeError` unless `prefix` is a safe start for exchange names. */
export function checkExchangePrefix(prefix: string): void {
  if (prefix.length > maxExchangePrefixLength || !routingKeyPattern.test(prefix)) {
    throw new TypeError(`invalid exchange prefix ${quote(prefix)}`);
  }
}

/** The message as JSON text; throws a `TypeError` if it has no JSON form (undefined, BigInt, cycles). */
export function encodeMessage(message: unknown): string {
  // JSON.stringify returns undefined for undefined, functions and symbols, despite its type.
  const text = JSON.stringify(message) as string | undefined;
  if (text === undefined) throw new TypeError('message is not JSON-serialisable');
  return text;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The parsed message, or `undefined` if the payload is not UTF-8 JSON (as `Broker.onMessage` promises). */
export function decodeMessage(payload: string | Uint8Array): unknown {
  try {
    return JSON.parse(typeof payload === 'string' ? payload : utf8.decode(payload));
  } catch {
    return undefined;
  }
}

/** `thrown` as an Error, for error callbacks (JavaScript can throw anything). */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(`non-error thrown: ${typeof thrown}`, { cause: thrown });
}

/** Untrusted input in an error message: quoted, escaped and cut short. */
function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}
