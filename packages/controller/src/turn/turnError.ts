import { CodedError } from '../errors.js';

/**
 * What went wrong with a TURN service:
 * - `closed`: the service was closed; it answers nothing any more;
 * - `config`: the settings cannot work (no public address for the embedded server, …);
 * - `certificate`: no certificate for TURN over TLS could be read or generated;
 * - `start_failed`: coturn exited while starting;
 * - `start_timeout`: coturn did not accept TCP connections in time.
 */
export type TurnErrorCode = 'closed' | 'config' | 'certificate' | 'start_failed' | 'start_timeout';

/** Error of the TURN services. Messages never contain the TURN secret. */
export class TurnError extends CodedError<TurnErrorCode> {
  override readonly name = 'TurnError';
}
