import { AnyEvent, maxFrameBytes, signalingSubprotocol, ticketSubprotocolPrefix, type CommandsByNamespace, type NamespaceName } from '@plenum/protocol';
import { warn } from '../app/log.js';

/** What each namespace accepts, derived from the protocol's one list of namespaces. */
export type Commands = CommandsByNamespace;
export type Namespace = NamespaceName;

/** Below the controller's default limit (burst 30, 10 per second), so trickle bursts never hit it. */
const rate = { burst: 25, perSecond: 9 };

export interface ConnectionHandlers {
  onOpen(): void;
  onEvent(event: AnyEvent): void;
  onClose(code: number, reason: string): void;
}

/** Longest namespace or message name quoted in a warning. */
const maxNameChars = 64;

/** A frame that is dropped is logged: why, or its namespace and message name, never its content (tokens, SDP). */
function invalidFrame(why: string): void {
  warn(`Plenum: dropped a signaling frame that fails the envelope schema (${why})`);
}

/** The namespace and message name of a parsed frame, as far as it has them. */
function describeFrame(data: unknown): string {
  const frame = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const payload = typeof frame.payload === 'object' && frame.payload !== null ? (frame.payload as Record<string, unknown>) : {};
  return `namespace ${name(frame.namespace)}, message ${name(payload.message)}`;
}

function name(value: unknown): string {
  if (typeof value !== 'string') return `(${value === null ? 'null' : typeof value})`;
  return JSON.stringify(value.length > maxNameChars ? `${value.slice(0, maxNameChars)}…` : value);
}

/** `/v1/signaling` on the origin that served the page, `wss:` under HTTPS. */
export function defaultSignalingUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/v1/signaling`;
}

/**
 * The signaling WebSocket: the ticket goes in a subprotocol (never in the URL), every frame
 * received is checked against the envelope schema, and commands leave through a token bucket.
 */
export class SignalingConnection {
  readonly #ws: WebSocket;
  readonly #queue: string[] = [];
  #tokens = rate.burst;
  #last = performance.now();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #abandoned = false;
  readonly #handlers: ConnectionHandlers;

  /** `url`: the signaling endpoint; default `/v1/signaling` on this page's origin (`defaultSignalingUrl()`). */
  constructor(ticket: string, handlers: ConnectionHandlers, url: string = defaultSignalingUrl()) {
    this.#handlers = handlers;
    this.#ws = new WebSocket(url, [signalingSubprotocol, `${ticketSubprotocolPrefix}${ticket}`]);
    this.#ws.addEventListener('open', () => {
      handlers.onOpen();
      this.#pump();
    });
    this.#ws.addEventListener('message', (message: MessageEvent<unknown>) => {
      if (this.#abandoned) return;
      if (typeof message.data !== 'string') return invalidFrame('not text');
      if (message.data.length > maxFrameBytes) return invalidFrame(`${message.data.length} characters`);
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        return invalidFrame('not JSON');
      }
      const event = AnyEvent.safeParse(data);
      if (event.success) handlers.onEvent(event.data);
      else invalidFrame(describeFrame(data));
    });
    this.#ws.addEventListener('close', (event) => {
      this.#stopSending();
      if (!this.#abandoned) handlers.onClose(event.code, event.reason);
    });
  }

  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  send<N extends Namespace>(namespace: N, payload: Commands[N]): void {
    if (this.#ws.readyState > WebSocket.OPEN) return;
    this.#queue.push(JSON.stringify({ namespace, payload }));
    this.#pump();
  }

  close(): void {
    this.#ws.close(1000);
  }

  /**
   * The network is gone: a dead TCP connection may take minutes to report its end, so treat
   * the socket as closed now (1006) and let the owner reconnect.
   */
  abandon(): void {
    if (this.#abandoned) return;
    this.#abandoned = true;
    this.#stopSending();
    this.#ws.close();
    this.#handlers.onClose(1006, 'connection lost');
  }

  #stopSending(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#queue.length = 0;
  }

  #pump(): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    const now = performance.now();
    this.#tokens = Math.min(rate.burst, this.#tokens + ((now - this.#last) / 1000) * rate.perSecond);
    this.#last = now;
    while (this.#queue.length > 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#ws.send(this.#queue.shift() ?? '');
    }
    if (this.#queue.length > 0 && this.#timer === null) {
      const wait = Math.ceil(((1 - this.#tokens) / rate.perSecond) * 1000);
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#pump();
      }, wait);
    }
  }
}
