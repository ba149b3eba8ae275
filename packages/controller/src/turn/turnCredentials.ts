import { createHmac } from 'node:crypto';

/** A username and password for a TURN server that shares our secret (`RTCIceServer` fields). */
export interface TurnCredentials {
  /** `<expiry in unix seconds>:<participantId>`. */
  username: string;
  /** `base64(HMAC-SHA1(secret, username))`. */
  credential: string;
}

/**
 * Credentials in the TURN REST API scheme (coturn's `use-auth-secret`): anyone who knows the
 * shared secret can issue them, the TURN server checks them without asking us, and they stop
 * working at `expiresAtMs` (rounded down to the second).
 */
export function turnCredentials(secret: string, participantId: string, expiresAtMs: number): TurnCredentials {
  if (secret.length === 0) throw new RangeError('TURN secret must not be empty');
  if (participantId.length === 0) throw new RangeError('participant ID must not be empty');
  if (!Number.isFinite(expiresAtMs) || expiresAtMs < 0) throw new RangeError(`expiry must be a time in ms, got ${expiresAtMs}`);
  const username = `${Math.floor(expiresAtMs / 1000)}:${participantId}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}
