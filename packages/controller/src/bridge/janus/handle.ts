import { JanusError, isGone } from './errors.js';
import { TypedEmitter } from './emitter.js';
import type { JanusHandleEvents } from './events.js';
import {
  hangupSchema,
  mediaSchema,
  slowlinkSchema,
  trickleSchema,
  type JanusCandidate,
  type JanusCandidatesCompleted,
  type JanusJsep,
  type JanusMessage,
  type PluginData,
} from './messages.js';
import type { JanusRequester } from './requester.js';

/** Options of one plugin request. */
export interface JanusRequestOptions {
  /** Default: the client's `requestTimeoutMs` (10 s); covers both the ack and the event. */
  timeoutMs?: number;
}

/** What an asynchronous plugin request resolves with. */
export interface JanusPluginAnswer {
  /** The plugin's payload, e.g. `{videoroom: 'joined', id, publishers, ...}`. */
  data: PluginData;
  /** The plugin's offer or answer, if it sent one (e.g. the answer to a publisher's offer). */
  jsep: JanusJsep | undefined;
}

/**
 * A handle attached to a plugin, made by `JanusSession.attach()`. Belongs to its session: the
 * session closing closes it.
 *
 * Plugin errors reject: an answer whose payload has a numeric `error_code` (videoroom's
 * `{videoroom: 'event', error_code, error}`) becomes a `JanusError` with that code, the
 * plugin's `error` as message and `plugin` set.
 *
 * Events: see `JanusHandleEvents`.
 */
export class JanusHandle extends TypedEmitter<JanusHandleEvents> {
  readonly #id: number;
  readonly #plugin: string;
  readonly #requester: JanusRequester;
  readonly #onClose: () => void;
  /** Aborted on close: rejects this handle's pending requests. */
  readonly #controller = new AbortController();
  #closed = false;
  #detaching: Promise<void> | undefined;

  /**
   * @internal Made by `JanusSession.attach`; `requester` adds the session and handle IDs,
   * `onClose` tells the session to forget it.
   */
  constructor(id: number, plugin: string, requester: JanusRequester, onClose: () => void) {
    super((error) => requester.report(error));
    this.#id = id;
    this.#plugin = plugin;
    this.#requester = requester;
    this.#onClose = onClose;
  }

  /** Janus's handle ID. */
  get id(): number {
    return this.#id;
  }

  /** The plugin attached to, e.g. `janus.plugin.videoroom`. */
  get plugin(): string {
    return this.#plugin;
  }

  /** True once detached (by us or by Janus) or closed with its session. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A synchronous plugin request (videoroom: create, exists, listparticipants, edit, destroy…):
   * resolves with the plugin's payload. (An asynchronous one works too; its jsep is dropped.)
   */
  async request(body: object, options: JanusRequestOptions = {}): Promise<PluginData> {
    const { data } = await this.message(body, undefined, options);
    return data;
  }

  /**
   * An asynchronous plugin request (videoroom: join, configure, start, leave…), with an offer
   * or answer if given: Janus acks it, then the plugin's event with the same transaction
   * resolves it. That event is not emitted as `event`.
   */
  async message(body: object, jsep?: JanusJsep, options: JanusRequestOptions = {}): Promise<JanusPluginAnswer> {
    const answer = await this.#request({ janus: 'message', body, ...(jsep ? { jsep } : {}) }, 'plugin', options.timeoutMs);
    const { plugindata } = answer;
    if (!plugindata) throw new JanusError('protocol', `Janus answered a ${this.#plugin} request without plugindata`);
    const { data } = plugindata;
    if (typeof data.error_code === 'number') {
      const reason = typeof data.error === 'string' ? data.error : `${plugindata.plugin} error ${data.error_code}`;
      throw new JanusError(data.error_code, reason, { plugin: plugindata.plugin });
    }
    return { data, jsep: answer.jsep };
  }

  /** Sends our ICE candidates to Janus: one, several, or the end of them (`{completed: true}`). */
  async trickle(candidates: JanusCandidate | readonly JanusCandidate[] | JanusCandidatesCompleted): Promise<void> {
    const field = isCandidateList(candidates) ? { candidates } : { candidate: candidates };
    await this.#request({ janus: 'trickle', ...field }, 'ack', undefined);
  }

  /** Closes the handle's PeerConnection; the handle stays attached. */
  async hangup(): Promise<void> {
    await this.#request({ janus: 'hangup' }, 'success', undefined);
  }

  /**
   * Detaches from the plugin in Janus and closes the handle here, at once. Rejects only if
   * Janus refuses or does not answer, and then the handle is closed all the same. Idempotent.
   */
  detach(): Promise<void> {
    this.#detaching ??= this.#detach();
    return this.#detaching;
  }

  /** @internal A message from Janus about this handle that answers none of our requests. */
  dispatch(message: JanusMessage): void {
    if (this.#closed) return;
    switch (message.janus) {
      case 'event':
        if (message.plugindata) this.emit('event', { plugin: message.plugindata.plugin, data: message.plugindata.data, jsep: message.jsep });
        else this.#unexpected(message, 'an event without plugindata');
        return;
      case 'webrtcup':
        this.emit('webrtcup');
        return;
      case 'media': {
        const parsed = mediaSchema.safeParse(message);
        if (parsed.success) this.emit('media', parsed.data);
        else this.#unexpected(message, 'an invalid media event', parsed.error);
        return;
      }
      case 'slowlink': {
        const parsed = slowlinkSchema.safeParse(message);
        if (parsed.success) this.emit('slowlink', parsed.data);
        else this.#unexpected(message, 'an invalid slowlink event', parsed.error);
        return;
      }
      case 'hangup': {
        const parsed = hangupSchema.safeParse(message);
        this.emit('hangup', parsed.success ? parsed.data.reason : undefined);
        return;
      }
      case 'trickle': {
        const parsed = trickleSchema.safeParse(message);
        if (parsed.success) this.emit('trickle', parsed.data.candidate);
        else this.#unexpected(message, 'an invalid trickle', parsed.error);
        return;
      }
      case 'detached':
        this.emit('detached');
        this.#close(new JanusError('closed', `Janus detached handle ${this.#id}`));
        return;
      default:
        this.#unexpected(message, `a message of type ${message.janus}`);
    }
  }

  /** @internal The session closed: close without telling Janus. */
  parentClosed(error: JanusError): void {
    this.#close(error);
  }

  #request(message: Record<string, unknown>, answer: 'success' | 'ack' | 'plugin', timeoutMs: number | undefined): Promise<JanusMessage> {
    if (this.#closed) return Promise.reject(new JanusError('closed', `Handle ${this.#id} is closed`));
    return this.#requester.request(message, { answer, timeoutMs, signal: this.#controller.signal });
  }

  async #detach(): Promise<void> {
    if (this.#closed) return;
    this.#close(undefined);
    try {
      // Not through #request: this handle's signal is aborted now.
      await this.#requester.request({ janus: 'detach' }, { answer: 'success' });
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }

  #unexpected(message: JanusMessage, what: string, cause?: unknown): void {
    this.#requester.report(new JanusError('protocol', `Janus sent ${what} for handle ${this.#id}`, { cause: cause ?? message }));
  }

  /** Closes here; `error` is why, unset for `detach()`. */
  #close(error: JanusError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller.abort(error ?? new JanusError('closed', `Handle ${this.#id} was detached`));
    this.#onClose();
    this.emit('closed', error);
    this.removeAllListeners();
  }
}

/** Narrows what `trickle` takes; `Array.isArray` alone does not narrow readonly arrays. */
function isCandidateList(value: JanusCandidate | readonly JanusCandidate[] | JanusCandidatesCompleted): value is readonly JanusCandidate[] {
  return Array.isArray(value);
}
