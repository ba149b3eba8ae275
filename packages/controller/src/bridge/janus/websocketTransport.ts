import WebSocket from 'ws';
import { JanusError } from './errors.js';
import { parseJson } from './transport.js';
import type { JanusTransport } from './transport.js';

/** Options of `WebSocketJanusTransport.connect`. */
export interface WebSocketJanusTransportOptions {
  /** How long to wait for the connection to open, ms. Default 5 000. */
  timeoutMs?: number;
}

/** How long `close()` waits for the closing handshake before dropping the socket, ms. */
const closeHandshakeMs = 1_000;

/**
 * The Janus API over Janus's WebSocket transport (`janus-protocol` subprotocol). Over
 * WebSocket, Janus destroys the sessions of a connection when it closes.
 */
export class WebSocketJanusTransport implements JanusTransport {
  readonly #socket: WebSocket;
  #onMessage: ((message: unknown) => void) | undefined;
  #onClose: ((error?: Error) => void) | undefined;
  /** Why the socket failed, from its 'error' event; reported with the 'close' that follows. */
  #error: Error | undefined;
  #closedByUs = false;
  /** Set once the socket has closed: undefined for `close()`, the reason otherwise. */
  #closeResult: { error: Error | undefined } | undefined;
  readonly #whenClosed: Promise<void>;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    // Always followed by 'close', which reports it; without a listener it would crash the process.
    socket.on('error', (error) => {
      this.#error = error;
    });
    socket.on('message', (data, isBinary) => this.#receive(data, isBinary));
    this.#whenClosed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        const error = this.#closedByUs
          ? undefined
          : new JanusError('closed', `Janus closed the WebSocket (${code} ${reason.toString()})`, { cause: this.#error });
        this.#closeResult = { error };
        this.#onClose?.(error);
        resolve();
      });
    });
  }

  /** Connects to `url` (e.g. `ws://127.0.0.1:8188`); rejects with `transport` on failure or timeout. */
  static connect(url: string, options: WebSocketJanusTransportOptions = {}): Promise<WebSocketJanusTransport> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, 'janus-protocol');
      const fail = (cause: unknown): void => {
        clearTimeout(timer);
        socket.removeAllListeners();
        // Keep a late 'error' from an aborted handshake from crashing the process.
        socket.on('error', () => undefined);
        socket.terminate();
        reject(new JanusError('transport', `Could not connect to Janus at ${url}`, { cause }));
      };
      const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', fail);
      socket.once('close', (code) => fail(new Error(`closed with code ${code} while connecting`)));
      socket.once('open', () => {
        clearTimeout(timer);
        socket.removeAllListeners();
        resolve(new WebSocketJanusTransport(socket));
      });
    });
  }

  send(message: object): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#closedByUs || this.#socket.readyState !== WebSocket.OPEN) {
        reject(new JanusError('closed', 'The WebSocket to Janus is closed'));
        return;
      }
      this.#socket.send(JSON.stringify(message), (error) => {
        if (error) reject(new JanusError('transport', 'Could not send to Janus', { cause: error }));
        else resolve();
      });
    });
  }

  onMessage(handler: (message: unknown) => void): void {
    this.#onMessage = handler;
  }

  onClose(handler: (error?: Error) => void): void {
    this.#onClose = handler;
    const result = this.#closeResult;
    if (result) queueMicrotask(() => handler(result.error));
  }

  async close(): Promise<void> {
    if (!this.#closeResult && !this.#closedByUs) {
      this.#closedByUs = true;
      this.#socket.close(1000);
      // Janus normally completes the handshake at once; do not wait on a hung peer.
      const timer = setTimeout(() => this.#socket.terminate(), closeHandshakeMs);
      await this.#whenClosed;
      clearTimeout(timer);
    }
    await this.#whenClosed;
  }

  #receive(data: WebSocket.RawData, isBinary: boolean): void {
    if (isBinary) return;
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    this.#onMessage?.(parseJson(text));
  }
}
