import { connect, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { JanusError, toError } from './errors.js';
import { parseJson, type JanusTransport } from './transport.js';
import { redactUrl } from '../../security/redactUrl.js';

/** Options of `AmqpJanusTransport.connect`. */
export interface AmqpJanusTransportOptions {
  /** The queue Janus consumes requests from (its rabbitmq transport's `to_janus`). */
  toJanus: string;
  /** The queue Janus publishes answers and events to (`from_janus`). */
  fromJanus: string;
  /**
   * How long to wait for RabbitMQ and for `fromJanus` to exist, ms. Default 5 000. Janus
   * declares the queue itself when it starts, so a transport made right after starting the
   * bridge waits for it.
   */
  timeoutMs?: number;
}

/** Pause between checks for `fromJanus`, ms. */
const queueRetryMs = 50;

/**
 * The Janus API over Janus's RabbitMQ transport: requests go to the default exchange with
 * routing key `toJanus`; answers and events come from `fromJanus`, which this transport
 * consumes exclusively (a second consumer would take every other answer). A lost connection,
 * a closed channel or a consumer cancelled by the server (e.g. the queue deleted) closes the
 * transport.
 *
 * Unlike WebSocket, nothing tells Janus we left: our sessions live on until its
 * `session_timeout`. And a request sent while Janus is down is dropped by RabbitMQ (no queue
 * to route to), so it ends in the client's timeout.
 */
export class AmqpJanusTransport implements JanusTransport {
  readonly #connection: ChannelModel;
  readonly #channel: ConfirmChannel;
  readonly #toJanus: string;
  #onMessage: ((message: unknown) => void) | undefined;
  #onClose: ((error?: Error) => void) | undefined;
  /** Set once closed: undefined for `close()`, the reason otherwise. */
  #closeResult: { error: Error | undefined } | undefined;
  #closing: Promise<void> | undefined;

  private constructor(connection: ChannelModel, channel: ConfirmChannel, toJanus: string) {
    this.#connection = connection;
    this.#channel = channel;
    this.#toJanus = toJanus;
    // Without 'error' listeners, an EventEmitter error would crash the process; 'close' follows.
    connection.on('error', () => undefined);
    channel.on('error', () => undefined);
    connection.on('close', (error?: Error) => this.#lost(new JanusError('closed', 'The RabbitMQ connection to Janus was lost', { cause: error })));
    channel.on('close', () => this.#lost(new JanusError('closed', 'The RabbitMQ channel to Janus closed')));
  }

  /**
   * Connects to RabbitMQ at `url`, waits for `fromJanus` to exist and consumes it. Rejects with
   * `transport` if RabbitMQ is unreachable, the queue does not appear in time or someone else
   * consumes it already.
   */
  static async connect(url: string, options: AmqpJanusTransportOptions): Promise<AmqpJanusTransport> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const deadline = Date.now() + timeoutMs;
    let connection: ChannelModel;
    try {
      connection = await connect(url, { timeout: timeoutMs });
    } catch (error) {
      throw new JanusError('transport', `RabbitMQ at ${redactUrl(url)} is unreachable`, { cause: error });
    }
    connection.on('error', () => undefined);
    try {
      const channel = await openWhenQueueExists(connection, options.fromJanus, deadline);
      const transport = new AmqpJanusTransport(connection, channel, options.toJanus);
      await channel.consume(options.fromJanus, (message) => transport.#receive(message), { noAck: true, exclusive: true });
      return transport;
    } catch (error) {
      await connection.close().catch(() => undefined);
      if (error instanceof JanusError) throw error;
      throw new JanusError('transport', `Could not consume ${options.fromJanus}`, { cause: error });
    }
  }

  send(message: object): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#closeResult || this.#closing) {
        reject(new JanusError('closed', 'The RabbitMQ transport to Janus is closed'));
        return;
      }
      const content = Buffer.from(JSON.stringify(message));
      // Throws at once if the channel is closed; the executor turns that into a rejection.
      this.#channel.publish('', this.#toJanus, content, { contentType: 'application/json' }, (error: unknown) => {
        if (error === null || error === undefined) resolve();
        else reject(new JanusError('transport', 'RabbitMQ did not take the request', { cause: error }));
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

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    if (this.#closeResult) return;
    try {
      await this.#connection.close();
    } catch {
      // Already closed by the server or the network: nothing left to release.
    }
    this.#finish(undefined);
  }

  #receive(message: ConsumeMessage | null): void {
    if (message === null) {
      this.#lost(new JanusError('closed', 'RabbitMQ cancelled the consumer of Janus’s queue'));
      return;
    }
    this.#onMessage?.(parseJson(message.content.toString('utf8')));
  }

  /** The connection, channel or consumer went without our asking. */
  #lost(error: Error): void {
    if (this.#closing || this.#closeResult) return;
    this.#finish(error);
    // A channel or consumer lost on a live connection: release the connection too.
    this.#closing = this.#connection.close().catch(() => undefined);
  }

  #finish(error: Error | undefined): void {
    if (this.#closeResult) return;
    this.#closeResult = { error };
    this.#onClose?.(error);
  }
}

/**
 * A confirm channel once `queue` exists. Checking a missing queue makes RabbitMQ close the
 * channel (404), so each attempt takes a new one.
 */
async function openWhenQueueExists(connection: ChannelModel, queue: string, deadline: number): Promise<ConfirmChannel> {
  for (;;) {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    try {
      await channel.checkQueue(queue);
      return channel;
    } catch (error) {
      if (Date.now() + queueRetryMs > deadline) {
        throw new JanusError('transport', `Janus's queue ${queue} did not appear`, { cause: toError(error) });
      }
      await new Promise((resolve) => setTimeout(resolve, queueRetryMs));
    }
  }
}

