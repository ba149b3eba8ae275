import { AnyEvent, signalingSubprotocol, ticketSubprotocolPrefix } from '@plenum/protocol';
import WebSocket from 'ws';
import { ContractViolationError, receiveFrame } from './contractViolations.js';

export type Event = AnyEvent;

/**
 * A signaling client for tests: a real WebSocket to the controller, every event kept in order,
 * and waiting helpers that fail with the events seen so far.
 *
 * Every frame received is checked strictly against its namespace's event schema
 * (`eventContractViolation`). A frame that fails is kept in `violations` and reported to
 * contractViolations.ts, whose hooks fail the test; the waiting helpers of this client throw
 * at once from then on. The frame still goes to `events` (when it is an event at all), so the
 * test sees what the controller sent.
 */
export class SignalingClient {
  readonly events: Event[] = [];
  /** The frames received that the contract refuses, each with why. */
  readonly violations: string[] = [];
  readonly socket: WebSocket;
  closeCode: number | undefined;
  #waiters: (() => void)[] = [];
  #frames = 0;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer, isBinary: boolean) => this.#received(data, isBinary));
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

  /** Waits for the first event (from index `after`) matching, and returns it. Throws once a frame broke the contract. */
  async waitFor(match: (event: Event) => boolean, options: { after?: number; timeoutMs?: number } = {}): Promise<Event> {
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    for (;;) {
      this.#throwIfViolated();
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
      this.#throwIfViolated();
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

  #received(data: Buffer, isBinary: boolean): void {
    const event = receiveFrame(data.toString('utf8'), isBinary, `frame #${this.#frames++}`, this.violations);
    if (event) this.events.push(event);
    this.#notify();
  }

  #throwIfViolated(): void {
    if (this.violations.length > 0) throw new ContractViolationError(this.violations);
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
