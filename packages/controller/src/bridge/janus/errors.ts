import { CodedError } from '../../errors.js';

/**
 * What went wrong with a Janus request:
 * - a number: Janus's own error code (`403` wrong apisecret, `458` no such session, `459` no
 *   such handle, …), or a plugin's `error_code` (then `plugin` names the plugin, e.g. videoroom
 *   `426` no such room, `427` room exists);
 * - `timeout`: no answer within the request's timeout;
 * - `closed`: the client, session or handle was closed, or the transport was lost, before an
 *   answer came;
 * - `transport`: the transport could not send the request or could not connect;
 * - `protocol`: Janus answered something this client does not understand.
 */
export type JanusErrorCode = number | 'timeout' | 'closed' | 'transport' | 'protocol';

/** Error of the Janus client, its sessions, handles and transports. */
export class JanusError extends CodedError<JanusErrorCode> {
  override readonly name = 'JanusError';
  /** The plugin that reported the error (e.g. `janus.plugin.videoroom`); unset for all others. */
  readonly plugin: string | undefined;

  constructor(code: JanusErrorCode, message: string, options: { cause?: unknown; plugin?: string } = {}) {
    super(code, message, options);
    this.plugin = options.plugin;
  }
}

/** `error` as an Error, for causes and reports. */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * True for the answers that mean "already gone", which is what destroy and detach want:
 * Janus's 458 (no such session) and 459 (no such handle), or `closed` (nothing left to tell).
 */
export function isGone(error: unknown): boolean {
  return error instanceof JanusError && (error.code === 458 || error.code === 459 || error.code === 'closed');
}
