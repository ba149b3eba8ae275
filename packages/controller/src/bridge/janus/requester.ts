import type { JanusMessage } from './messages.js';
import type { AnswerKind } from './transactions.js';

/** Options of one request. */
export interface RequestOptions {
  /** Which answer completes it. */
  answer: AnswerKind;
  /** Default: the client's `requestTimeoutMs`. */
  timeoutMs?: number | undefined;
  /** Aborting rejects the request with `closed` (its session or handle closed). */
  signal?: AbortSignal | undefined;
}

/**
 * How sessions and handles reach Janus through their client, without holding the client
 * itself (so that ownership stays one-way: client → sessions → handles).
 */
export interface JanusRequester {
  /**
   * Sends `message` with a new transaction and the apisecret; resolves with its answer, rejects
   * with a `JanusError` (Janus's code, `timeout`, `closed` or `transport`).
   */
  request(message: Record<string, unknown>, options: RequestOptions): Promise<JanusMessage>;
  /** Reports a problem no caller awaits: a throwing listener, an unexpected message. */
  report(error: unknown): void;
}
