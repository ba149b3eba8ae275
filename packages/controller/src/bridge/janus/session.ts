import { JanusError, isGone } from './errors.js';
import { TypedEmitter } from './emitter.js';
import type { JanusSessionEvents } from './events.js';
import { JanusHandle } from './handle.js';
import { createdSchema, type JanusMessage } from './messages.js';
import type { JanusRequester, RequestOptions } from './requester.js';

/** Options of `JanusClient.createSession`. */
export interface JanusSessionOptions {
  /**
   * Interval of the keepalive requests, ms. Default 25 000: well within the `session_timeout`
   * of 60 s our bridges are configured with, even if one keepalive is lost.
   */
  keepaliveMs?: number;
}

/** Options of `JanusSession.attach`. */
export interface JanusAttachOptions {
  /** Janus's `opaque_id`: a label of ours that Janus shows in its admin API and event handlers. */
  opaqueId?: string;
}

/**
 * One Janus session, made by `JanusClient.createSession()`. It keeps itself alive with
 * keepalives (on an unref'd timer, so it never holds the process open) and owns the handles
 * it attaches: `destroy()`, its client closing or Janus timing it out closes them all.
 *
 * Events: see `JanusSessionEvents`.
 */
export class JanusSession extends TypedEmitter<JanusSessionEvents> {
  readonly #id: number;
  readonly #requester: JanusRequester;
  readonly #onClose: () => void;
  readonly #handles = new Map<number, JanusHandle>();
  /** Aborted on close: rejects this session's pending requests. */
  readonly #controller = new AbortController();
  readonly #keepalive: NodeJS.Timeout;
  #keepaliveInFlight = false;
  #closed = false;
  #destroying: Promise<void> | undefined;

  /** @internal Made by `JanusClient.createSession`; `onClose` tells the client to forget it. */
  constructor(id: number, requester: JanusRequester, options: JanusSessionOptions, onClose: () => void) {
    super((error) => requester.report(error));
    this.#id = id;
    this.#requester = requester;
    this.#onClose = onClose;
    this.#keepalive = setInterval(() => this.#sendKeepalive(), options.keepaliveMs ?? 25_000).unref();
  }

  /** Janus's session ID. */
  get id(): number {
    return this.#id;
  }

  /** True once destroyed, timed out by Janus, or closed with the client. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Attaches to `plugin` (e.g. `janus.plugin.videoroom`); the handle belongs to this session. */
  async attach(plugin: string, options: JanusAttachOptions = {}): Promise<JanusHandle> {
    const answer = await this.#request(
      { janus: 'attach', plugin, ...(options.opaqueId === undefined ? {} : { opaque_id: options.opaqueId }) },
      { answer: 'success' },
    );
    const created = createdSchema.safeParse(answer);
    if (!created.success) throw new JanusError('protocol', 'Janus answered attach without a handle ID', { cause: created.error });
    const { id } = created.data.data;
    const handle = new JanusHandle(
      id,
      plugin,
      {
        request: (message, requestOptions) => this.#requester.request({ ...message, session_id: this.#id, handle_id: id }, requestOptions),
        report: (error) => this.#requester.report(error),
      },
      () => this.#handles.delete(id),
    );
    this.#handles.set(id, handle);
    return handle;
  }

  /**
   * Destroys the session in Janus (which detaches its handles there) and closes it here with
   * its handles, at once. Rejects only if Janus refuses or does not answer, and then the
   * session is closed all the same; resolves if Janus no longer knew it or the client closed
   * meanwhile. Idempotent.
   */
  destroy(): Promise<void> {
    this.#destroying ??= this.#destroy();
    return this.#destroying;
  }

  /** @internal A message from Janus about this session or one of its handles. */
  dispatch(message: JanusMessage): void {
    if (this.#closed) return;
    if (message.janus === 'timeout') {
      this.emit('timeout');
      this.#close(new JanusError('timeout', `Janus timed session ${this.#id} out`));
    } else if (message.sender !== undefined) {
      // Unknown handles are expected: events still under way when a handle was detached.
      this.#handles.get(message.sender)?.dispatch(message);
    } else {
      this.#requester.report(new JanusError('protocol', `Unexpected message from Janus for session ${this.#id}: ${message.janus}`));
    }
  }

  /** @internal The client closed or lost its transport: close without telling Janus. */
  parentClosed(error: JanusError): void {
    this.#close(error);
  }

  async #destroy(): Promise<void> {
    if (this.#closed) return;
    this.#close(undefined);
    try {
      // Not through #request: this session's signal is aborted now.
      await this.#requester.request({ janus: 'destroy', session_id: this.#id }, { answer: 'success' });
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }

  #request(message: Record<string, unknown>, options: RequestOptions): Promise<JanusMessage> {
    if (this.#closed) return Promise.reject(new JanusError('closed', `Session ${this.#id} is closed`));
    return this.#requester.request({ ...message, session_id: this.#id }, { ...options, signal: this.#controller.signal });
  }

  #sendKeepalive(): void {
    // One at a time: if Janus is slow, piling keepalives up helps nothing.
    if (this.#keepaliveInFlight || this.#closed) return;
    this.#keepaliveInFlight = true;
    this.#request({ janus: 'keepalive' }, { answer: 'ack' })
      .catch((error: unknown) => {
        if (error instanceof JanusError && error.code === 458) this.#close(error);
        else if (!(error instanceof JanusError && error.code === 'closed')) this.#requester.report(error);
      })
      .finally(() => {
        this.#keepaliveInFlight = false;
      });
  }

  /** Closes here, with the handles; `error` is why, unset for `destroy()`. */
  #close(error: JanusError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepalive);
    const cause = error ?? new JanusError('closed', `Session ${this.#id} was destroyed`);
    for (const handle of [...this.#handles.values()]) handle.parentClosed(cause);
    this.#handles.clear();
    this.#controller.abort(cause);
    this.#onClose();
    this.emit('closed', error);
    this.removeAllListeners();
  }
}
