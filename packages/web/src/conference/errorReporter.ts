import { SignalingErrorCode } from '@plenum/protocol';
import { warn } from '../app/log.js';
import { noticeShown } from '../features/control/controlSlice.js';
import type { MediaOperation } from '../features/media/mediaEngine.js';
import type { MessageKey } from '../i18n/messages.js';

/** The sentence for each stable signaling error code; a code added to the protocol fails to compile here until it has one. */
export const errorMessageKeys: Record<SignalingErrorCode, MessageKey> = {
  invalid_json: 'errorInvalidJson',
  frame_too_large: 'errorFrameTooLarge',
  invalid_envelope: 'errorInvalidEnvelope',
  unknown_namespace: 'errorUnknownNamespace',
  unknown_action: 'errorUnknownAction',
  invalid_payload: 'errorInvalidPayload',
  rate_limit_exceeded: 'errorRateLimited',
  token_expired: 'errorTokenExpired',
  invalid_token: 'errorInvalidToken',
  not_joined: 'errorNotJoined',
  already_joined: 'errorAlreadyJoined',
  in_waiting_room: 'errorInWaitingRoom',
  insufficient_permissions: 'errorInsufficientPermissions',
  unknown_participant: 'errorUnknownParticipant',
  chat_disabled: 'errorChatDisabled',
  banned: 'errorBanned',
  internal_error: 'errorInternal',
};

/** The sentence for an error code; a code this client does not know yet gets a generic one. */
export function errorMessageKey(code: string): MessageKey {
  const known = SignalingErrorCode.safeParse(code);
  return known.success ? errorMessageKeys[known.data] : 'errorUnknown';
}

const mediaMessageKeys: Record<MediaOperation, MessageKey> = {
  'publish camera': 'mediaSendFailed',
  'publish screen': 'screenShareFailed',
  'subscribe camera': 'mediaReceiveFailed',
  'subscribe screen': 'mediaReceiveFailed',
};

export interface ErrorReporterOptions {
  /** Identical reports (same namespace and code, same media operation, same unknown event) within this window are shown and logged once; default 5000 ms. */
  windowMs?: number;
  /** The clock, in milliseconds; default `Date.now`. */
  now?: () => number;
  /** Where reports are logged; default the browser console (`app/log.ts`). */
  log?: Pick<Console, 'warn'>;
}

/** Longest server text or event name that is logged; the rest is cut. */
const maxLoggedChars = 200;
/** Above this many remembered reports, those outside the window are forgotten. */
const maxRemembered = 64;

/**
 * Where the conference's failures end up: a server `error` event, a failed media negotiation,
 * an event this client does not understand. Errors become a notice in the user's language and
 * a console warning with namespace, code and the server's text; unknown events a warning with
 * their namespace and message name only. Never logged: tokens, SDP, whole payloads.
 */
export class ErrorReporter {
  readonly #dispatch: (action: ReturnType<typeof noticeShown>) => unknown;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #log: Pick<Console, 'warn'>;
  /** When each report was last let through. */
  readonly #lastReported = new Map<string, number>();

  constructor(dispatch: (action: ReturnType<typeof noticeShown>) => unknown, options: ErrorReporterOptions = {}) {
    this.#dispatch = dispatch;
    this.#windowMs = options.windowMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? { warn };
  }

  /** A server `error` event of `namespace`; `code` may be one this client does not know yet. */
  serverError(namespace: string, error: { error: string; text: string }): void {
    const code = clip(error.error);
    if (!this.#firstWithinWindow(`error ${namespace} ${code}`)) return;
    this.#log.warn(`Plenum: ${clip(namespace)} error ${code}: ${clip(error.text)}`);
    this.#dispatch(noticeShown({ key: errorMessageKey(error.error), tone: 'error' }));
  }

  /** A media negotiation step failed; only the error's name is logged (its message may quote SDP). */
  mediaFailure(what: MediaOperation, error: unknown): void {
    if (!this.#firstWithinWindow(`media ${what}`)) return;
    const name = typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : typeof error;
    this.#log.warn(`Plenum: media ${what} failed: ${clip(name)}`);
    this.#dispatch(noticeShown({ key: mediaMessageKeys[what], tone: 'error' }));
  }

  /**
   * An event whose namespace or payload this client does not understand: logged by namespace
   * and message name. An `error` event with a code unknown here is still an error to show.
   */
  unrecognized(namespace: string, payload: unknown): void {
    const message = field(payload, 'message');
    const code = field(payload, 'error');
    if (message === 'error' && code !== undefined) return this.serverError(namespace, { error: code, text: field(payload, 'text') ?? '' });
    const name = message === undefined ? '(no message)' : clip(message);
    if (!this.#firstWithinWindow(`event ${namespace} ${name}`)) return;
    this.#log.warn(`Plenum: ignored an unrecognized ${clip(namespace)} event ${name}`);
  }

  #firstWithinWindow(report: string): boolean {
    const now = this.#now();
    const last = this.#lastReported.get(report);
    if (last !== undefined && now - last < this.#windowMs) return false;
    this.#lastReported.set(report, now);
    if (this.#lastReported.size > maxRemembered) {
      for (const [key, at] of this.#lastReported) if (now - at >= this.#windowMs) this.#lastReported.delete(key);
    }
    return true;
  }
}

/** A string field of an unknown payload, if it has one. */
function field(payload: unknown, name: string): string | undefined {
  if (typeof payload !== 'object' || payload === null || !Object.hasOwn(payload, name)) return undefined;
  const value: unknown = (payload as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function clip(text: string): string {
  return text.length > maxLoggedChars ? `${text.slice(0, maxLoggedChars)}…` : text;
}
