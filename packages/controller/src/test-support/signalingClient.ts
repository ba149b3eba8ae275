import { AnyEvent, signalingSubprotocol, ticketSubprotocolPrefix } from '@plenum/protocol';
import WebSocket from 'ws';

export type Event = AnyEvent;

/**
 * A signaling client for tests: a real WebSocket to the controller, every event kept in order,
 * and waiting helpers that fail with the events seen so far.
 */
export class SignalingClient {
  readonly events: Event[] = [];
  readonly socket: WebSocket;
  closeCode: number | undefined;
  #waiters: (() => void)[] = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer) => {
      const event = AnyEvent.parse(JSON.parse(data.toString('utf8')));
      this.events.push(event);
      this.#notify();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.#notify();
    });
  }

  /** Opens the socket with the ticket as subprotocol; rejects with the HTTP status if refused. */
  static connect(baseUrl: string, ticket: string): Promise<SignalingClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/v1/signaling`;
    const socket = new WebSocket(url, [signalingSubprotocol, `${ticketSubprotocolPrefix}${ticket}`]);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new SignalingClient(socket)));
      socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(namespace: string, payload: Record<string, unknown>): void {
    this.socket.send(JSON.stringify({ namespace, payload }));
  }

  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  /** Waits for the first event (from index `after`) matching, and returns it. */
  async waitFor(match: (event: Event) => boolean, options: { after?: number; timeoutMs?: number } = {}): Promise<Event> {
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    for (;;) {
      const found = this.events.slice(options.after ?? 0).find(match);
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = this.events.map((e) => `${e.namespace}/${e.payload.message}`).join(', ');
        throw new Error(`timed out; events so far: ${seen}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()) + 1);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for `namespace`/`message` and returns its payload. */
  async next(namespace: string, message: string, after = 0): Promise<Record<string, unknown>> {
    const event = await this.waitFor((e) => e.namespace === namespace && e.payload.message === message, { after });
    return event.payload;
  }

  async waitForClose(timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === undefined) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closeCode;
  }

  close(): void {
    this.socket.close();
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
