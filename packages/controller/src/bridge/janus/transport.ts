/**
 * A connection to one Janus instance's API. Implementations: `WebSocketJanusTransport` and
 * `AmqpJanusTransport`. The transport only moves JSON; the client correlates and validates.
 */
export interface JanusTransport {
  /** Sends one request. Rejects with a `JanusError` (`closed` or `transport`) if it could not. */
  send(message: object): Promise<void>;
  /**
   * Sets the one handler of messages from Janus: the decoded JSON, or the raw text when it is
   * not JSON (the client's validation reports it). Messages before a handler is set are dropped.
   * The handler must not throw: it runs inside the connection's own event dispatch.
   */
  onMessage(handler: (message: unknown) => void): void;
  /**
   * Sets the one handler called, once, when the transport has closed: with the reason when the
   * connection was lost, without one after `close()`. Called at once if already closed.
   */
  onClose(handler: (error?: Error) => void): void;
  /** Closes the connection; idempotent. `send` rejects from then on. */
  close(): Promise<void>;
}

/** The JSON in `text`, or `text` itself when it is not JSON (then validation reports it). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
