import { JanusError, toError } from './errors.js';
import { TypedEmitter } from './emitter.js';
import type { JanusClientEvents } from './events.js';
import { createdSchema, envelopeSchema, type JanusMessage } from './messages.js';
import type { JanusRequester, RequestOptions } from './requester.js';
import { JanusSession, type JanusSessionOptions } from './session.js';
import { Transactions } from './transactions.js';
import type { JanusTransport } from './transport.js';

/** Answers, which are no events even when no request awaits them any more. */
const lateAnswers = new Set(['success', 'ack', 'error']);

/** Options of `JanusClient`. */
export interface JanusClientOptions {
  /** The bridge's `api_secret`, sent in every request. */
  apiSecret: string;
  /** How long a request waits for its answer before rejecting with `timeout`, ms. Default 10 000. */
  requestTimeoutMs?: number;
  /**
   * Problems no caller awaits: messages from Janus that fail validation or that nothing
   * expects, listeners that throw, keepalives that fail. Default: a process warning.
   */
  onError?: (error: Error) => void;
}

/**
 * The Janus JSON API over one transport, which the client owns (it closes it). Sessions made
 * with `createSession()` belong to the client: `close()`, or losing the transport, closes them
 * and their handles and rejects every pending request with `closed`.
 *
 * Events: see `JanusClientEvents`.
 */
export class JanusClient extends TypedEmitter<JanusClientEvents> {
  readonly #transport: JanusTransport;
  readonly #apiSecret: string;
  readonly #requestTimeoutMs: number;
  readonly #onError: (error: Error) => void;
  readonly #transactions = new Transactions();
  readonly #sessions = new Map<number, JanusSession>();
  readonly #requester: JanusRequester;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(transport: JanusTransport, options: JanusClientOptions) {
    const onError = options.onError ?? ((error: Error) => process.emitWarning(error));
    super((error) => onError(toError(error)));
    this.#transport = transport;
    this.#apiSecret = options.apiSecret;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#onError = onError;
    this.#requester = {
      request: (message, requestOptions) => this.#request(message, requestOptions),
      report: (error) => this.#onError(toError(error)),
    };
    transport.onMessage((message) => this.#receive(message));
    transport.onClose((error) => this.#lost(error));
  }

  /** True once closed: by `close()` or because the transport was lost. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Creates a Janus session, kept alive until destroyed or the client closes. */
  async createSession(options: JanusSessionOptions = {}): Promise<JanusSession> {
    const answer = await this.#request({ janus: 'create' }, { answer: 'success' });
    const created = createdSchema.safeParse(answer);
    if (!created.success) throw new JanusError('protocol', 'Janus answered create without a session ID', { cause: created.error });
    const { id } = created.data.data;
    const session = new JanusSession(id, this.#requester, options, () => this.#sessions.delete(id));
    this.#sessions.set(id, session);
    return session;
  }

  /**
   * Closes the client: its sessions and handles close without telling Janus (over WebSocket
   * Janus destroys them when the connection goes; over RabbitMQ they expire after Janus's
   * `session_timeout`), pending requests reject with `closed`, and the transport closes.
   * Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown(undefined);
    return this.#closing;
  }

  #request(message: Record<string, unknown>, options: RequestOptions): Promise<JanusMessage> {
    if (this.#closed) return Promise.reject(new JanusError('closed', 'The Janus client is closed'));
    const transaction = this.#transactions.next();
    const answered = this.#transactions.wait(transaction, {
      answer: options.answer,
      timeoutMs: options.timeoutMs ?? this.#requestTimeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    this.#transport.send({ ...message, transaction, apisecret: this.#apiSecret }).catch((error: unknown) => {
      const code = this.#closed ? 'closed' : 'transport';
      this.#transactions.fail(transaction, new JanusError(code, `Could not send ${String(message.janus)} to Janus`, { cause: error }));
    });
    return answered;
  }

  #receive(raw: unknown): void {
    if (this.#closed) return;
    const parsed = envelopeSchema.safeParse(raw);
    if (!parsed.success) {
      this.#onError(new JanusError('protocol', 'Janus sent an invalid message', { cause: parsed.error }));
      return;
    }
    const message = parsed.data;
    if (this.#transactions.answer(message)) return;
    if (message.transaction !== undefined && lateAnswers.has(message.janus)) {
      // The late answer to a request that timed out or whose session or handle closed.
      return;
    }
    if (message.session_id === undefined) {
      this.#onError(new JanusError('protocol', `Unexpected message from Janus: ${message.janus}`));
      return;
    }
    // Unknown sessions are expected: events still under way when a session was destroyed.
    this.#sessions.get(message.session_id)?.dispatch(message);
  }

  /** The transport closed without our asking. */
  #lost(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closing ??= this.#shutdown(new JanusError('closed', 'The connection to Janus was lost', { cause: error }));
  }

  async #shutdown(reason: JanusError | undefined): Promise<void> {
    this.#closed = true;
    const error = reason ?? new JanusError('closed', 'The Janus client was closed');
    for (const session of [...this.#sessions.values()]) session.parentClosed(error);
    this.#sessions.clear();
    this.#transactions.failAll(error);
    this.emit('closed', reason);
    this.removeAllListeners();
    try {
      await this.#transport.close();
    } catch (closeError) {
      this.#onError(toError(closeError));
    }
  }
}
