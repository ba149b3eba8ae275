import { randomBytes } from 'node:crypto';
import { JanusError } from './errors.js';
import type { JanusMessage } from './messages.js';

/**
 * Which answer completes a request:
 * - `success`: `success` (create, attach, detach, hangup, destroy);
 * - `ack`: `ack` (keepalive, trickle);
 * - `plugin`: a plugin's answer to `message`: `success` with plugindata for a synchronous
 *   request, or `ack` and then an `event` with the same transaction for an asynchronous one.
 * An `error` with the transaction fails any of them.
 */
export type AnswerKind = 'success' | 'ack' | 'plugin';

/** How a request waits for its answer. */
export interface WaitOptions {
  answer: AnswerKind;
  timeoutMs: number;
  /** Aborting rejects the request with `closed`: its session or handle closed. */
  signal?: AbortSignal;
}

interface Pending {
  readonly answer: AnswerKind;
  readonly resolve: (message: JanusMessage) => void;
  readonly reject: (error: JanusError) => void;
}

/**
 * The requests awaiting Janus's answer, by transaction ID. IDs are a random prefix per client
 * and a counter: unique, cheap, and readable in Janus's log.
 */
export class Transactions {
  readonly #pending = new Map<string, Pending>();
  readonly #prefix = randomBytes(4).toString('hex');
  #counter = 0;

  /** A new transaction ID. */
  next(): string {
    this.#counter += 1;
    return `${this.#prefix}-${this.#counter}`;
  }

  /** Resolves with the answer to `transaction`, rejects on error, timeout or abort. */
  wait(transaction: string, { answer, timeoutMs, signal }: WaitOptions): Promise<JanusMessage> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#settle(transaction);
        reject(new JanusError('closed', 'Closed before Janus answered', { cause: signal?.reason }));
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      const timer = setTimeout(() => {
        this.#settle(transaction);
        reject(new JanusError('timeout', `Janus did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(transaction, {
        answer,
        resolve: (message) => {
          done();
          resolve(message);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
    });
  }

  /**
   * Gives `message` to the request it answers. True if it was an answer (and so not an event
   * to dispatch): also an `ack` before the event of an asynchronous request.
   */
  answer(message: JanusMessage): boolean {
    const { transaction } = message;
    if (transaction === undefined) return false;
    const pending = this.#pending.get(transaction);
    if (!pending) return false;
    switch (message.janus) {
      case 'error': {
        this.#settle(transaction);
        const code = message.error?.code ?? 'protocol';
        pending.reject(new JanusError(code, message.error?.reason ?? 'Janus answered an error without reason'));
        return true;
      }
      case 'ack':
        if (pending.answer === 'ack') this.#complete(transaction, pending, message);
        // Otherwise the event follows; the timeout still covers it.
        return true;
      case 'success':
        this.#complete(transaction, pending, message);
        return true;
      case 'event':
        if (pending.answer !== 'plugin') return false;
        this.#complete(transaction, pending, message);
        return true;
      default:
        return false;
    }
  }

  /** Rejects `transaction` (e.g. its request could not be sent). */
  fail(transaction: string, error: JanusError): void {
    const pending = this.#pending.get(transaction);
    if (!pending) return;
    this.#settle(transaction);
    pending.reject(error);
  }

  /** Rejects every pending request with `error`. */
  failAll(error: JanusError): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const pending of all) pending.reject(error);
  }

  #complete(transaction: string, pending: Pending, message: JanusMessage): void {
    this.#settle(transaction);
    pending.resolve(message);
  }

  #settle(transaction: string): void {
    this.#pending.delete(transaction);
  }
}
