import { connect, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { Broker } from './broker.js';
import { BrokerClosedError, checkAddress, checkExchangePrefix, decodeMessage, encodeMessage, toError } from './brokerCodec.js';
import { redactUrl } from '../security/redactUrl.js';

/** Options of `AmqpBroker.connect`. */
export interface AmqpBrokerOptions {
  /** Start of every exchange name (default `plenum`), so tests sharing a RabbitMQ stay apart. */
  exchangePrefix?: string;
  /**
   * Loss of the connection or of the consumer (the broker is closed then), channel errors other
   * than the expected 404, and errors thrown by the message handler; default: a process warning.
   */
  onError?: (error: Error) => void;
}

/** Handler registered with `Broker.onMessage`. */
type MessageHandler = (roomId: string, routingKey: string, message: unknown) => void;

/** The channel for publishing and (un)binding, with what has been declared on it. */
interface OperationChannel {
  readonly channel: ConfirmChannel;
  /** Exchange → its declaration; forgotten with the channel, and when a declaration fails. */
  readonly exchanges: Map<string, Promise<unknown>>;
  /** Set once the channel has closed (a channel error such as 404 closes it). */
  dead: boolean;
  /** The channel opened to replace this one, shared by all operations that failed on it. */
  replacement?: Promise<OperationChannel>;
}

/** 404: the server closes the channel when an exchange is missing, e.g. auto-deleted meanwhile. */
const notFound = 404;

/**
 * `Broker` on RabbitMQ (`PLENUM_AMQP_URL`), shared by every controller using that server.
 *
 * Each room is a topic exchange `<prefix>.room.<roomId>`, not durable and auto-deleted by
 * RabbitMQ once its last binding goes. Each broker has one exclusive, auto-delete,
 * server-named queue, bound to the rooms' exchanges by routing key and consumed without
 * acknowledgements: delivery is at most once, like the in-process broker.
 *
 * One connection; a confirm channel for publishing and (un)binding, so `publish` resolves once
 * RabbitMQ has taken the message, and a second channel only for consuming, so that a channel
 * error on the first (which closes it) never stops delivery. Such an error is mostly an
 * exchange deleted between our declaring it and using it; the operation then runs once more on
 * a new channel after declaring the exchange again. Operations that were in flight on the
 * closed channel are retried the same way, so after such an error a message may, rarely,
 * arrive twice or out of order.
 *
 * No reconnection (yet): when the connection is lost, `onError` is called and the broker is
 * closed; every method rejects from then on, and the owner has to connect a new one.
 */
export class AmqpBroker implements Broker {
  readonly #connection: ChannelModel;
  /** `<prefix>.room.`, before every room ID in an exchange name. */
  readonly #exchangeStart: string;
  readonly #onError: (error: Error) => void;
  /** The exclusive queue, set by `#start`. */
  #queue = '';
  #operations!: Promise<OperationChannel>;
  /** room → routing keys bound, which make bind and unbind idempotent without a round trip. */
  readonly #bindings = new Map<string, Set<string>>();
  /** Binds and unbinds run one after another, so that the bookkeeping follows the server. */
  #bindingQueue: Promise<unknown> = Promise.resolve();
  #handler: MessageHandler | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(connection: ChannelModel, exchangePrefix: string, onError: (error: Error) => void) {
    this.#connection = connection;
    this.#exchangeStart = `${exchangePrefix}.room.`;
    this.#onError = onError;
    // Without an 'error' listener, an EventEmitter error would crash the process.
    connection.on('error', () => {
      // The 'close' that always follows reports it.
    });
    connection.on('close', (error?: Error) => {
      this.#fail(new Error('AMQP connection lost; the broker is closed', { cause: error }));
    });
  }

  /**
   * Connects, declares the broker's queue and starts consuming. Rejects if RabbitMQ is
   * unreachable or `exchangePrefix` contains anything but letters, digits, `_`, `-` and dots.
   */
  static async connect(url: string, options: AmqpBrokerOptions = {}): Promise<AmqpBroker> {
    const exchangePrefix = options.exchangePrefix ?? 'plenum';
    checkExchangePrefix(exchangePrefix);
    let connection: ChannelModel;
    try {
      connection = await connect(url);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`RabbitMQ at ${redactUrl(url)} is unreachable: ${reason}`, { cause: error });
    }
    const broker = new AmqpBroker(connection, exchangePrefix, options.onError ?? ((error) => process.emitWarning(error)));
    try {
      await broker.#start();
    } catch (error) {
      await broker.close();
      throw error;
    }
    return broker;
  }

  async publish(roomId: string, routingKey: string, message: unknown): Promise<void> {
    this.#checkOpen();
    checkAddress(roomId, routingKey);
    const content = Buffer.from(encodeMessage(message));
    const exchange = this.#exchangeName(roomId);
    await this.#withExchange(exchange, ({ channel }) => confirmPublish(channel, exchange, routingKey, content));
  }

  async bind(roomId: string, routingKey: string): Promise<void> {
    this.#checkOpen();
    checkAddress(roomId, routingKey);
    await this.#serialize(async () => {
      if (this.#bindings.get(roomId)?.has(routingKey)) return;
      const exchange = this.#exchangeName(roomId);
      await this.#withExchange(exchange, ({ channel }) => channel.bindQueue(this.#queue, exchange, routingKey));
      let keys = this.#bindings.get(roomId);
      if (!keys) this.#bindings.set(roomId, (keys = new Set()));
      keys.add(routingKey);
    });
  }

  async unbind(roomId: string, routingKey: string): Promise<void> {
    this.#checkOpen();
    checkAddress(roomId, routingKey);
    await this.#serialize(async () => {
      const keys = this.#bindings.get(roomId);
      if (!keys?.has(routingKey)) return;
      const exchange = this.#exchangeName(roomId);
      await this.#withChannel(async (operations) => {
        try {
          await operations.channel.unbindQueue(this.#queue, exchange, routingKey);
        } catch (error) {
          // No exchange, no binding: what unbind wanted. (The closed channel is replaced on next use.)
          if (codeOf(error) !== notFound) throw error;
        }
        // Our last binding may have been the exchange's last: declare it again before next use.
        operations.exchanges.delete(exchange);
      });
      keys.delete(routingKey);
      if (keys.size === 0) this.#bindings.delete(roomId);
    });
  }

  onMessage(handler: MessageHandler): void {
    this.#handler = handler;
  }

  /**
   * Closes the connection, which deletes the queue and its bindings (and so the exchanges no
   * one else is bound to). Operations still in flight may reject.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #start(): Promise<void> {
    const consumer = await this.#connection.createChannel();
    consumer.on('error', () => {
      // The 'close' that always follows reports it.
    });
    consumer.on('close', () => {
      // Deferred: when the connection goes, its channels close just before it does, and the
      // report should name the connection.
      queueMicrotask(() => this.#fail(new Error('AMQP consumer channel closed; the broker is closed')));
    });
    const { queue } = await consumer.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    this.#queue = queue;
    await consumer.consume(queue, (message) => this.#receive(message), { noAck: true });
    this.#operations = this.#openOperationChannel();
    await this.#operations;
  }

  async #shutdown(): Promise<void> {
    const connected = !this.#closed;
    this.#closed = true;
    this.#handler = undefined;
    if (!connected) return;
    try {
      await this.#connection.close();
    } catch {
      // Already closed by the server or the network: nothing left to release.
    }
  }

  /** Connection or consumer lost: report once, then behave as closed. */
  #fail(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = undefined;
    this.#onError(error);
    // A consumer lost on a live connection: release the connection (a no-op if it is gone).
    this.#closing ??= this.#connection.close().catch(() => undefined);
  }

  #receive(message: ConsumeMessage | null): void {
    if (message === null) {
      // RabbitMQ cancelled the consumer, e.g. because the queue was deleted.
      this.#fail(new Error('AMQP consumer cancelled by the server; the broker is closed'));
      return;
    }
    const handler = this.#handler;
    const { exchange, routingKey } = message.fields;
    if (this.#closed || !handler || !exchange.startsWith(this.#exchangeStart)) return;
    try {
      handler(exchange.slice(this.#exchangeStart.length), routingKey, decodeMessage(message.content));
    } catch (error) {
      // Thrown into amqplib, it would close the consumer channel.
      this.#onError(toError(error));
    }
  }

  async #openOperationChannel(): Promise<OperationChannel> {
    const channel = await this.#connection.createConfirmChannel();
    const operations: OperationChannel = { channel, exchanges: new Map(), dead: false };
    channel.on('error', (error: Error) => {
      // 404 is expected (see the class comment); operations reject with anything else.
      if (codeOf(error) !== notFound) this.#onError(error);
    });
    channel.on('close', () => {
      operations.dead = true;
    });
    return operations;
  }

  /** Runs `operation` on the operation channel; once more on a new one if the channel closed. */
  async #withChannel<T>(operation: (operations: OperationChannel) => Promise<T>): Promise<T> {
    let operations = await this.#operations;
    if (operations.dead) operations = await this.#replace(operations);
    try {
      return await operation(operations);
    } catch (error) {
      if (this.#closed || !operations.dead) throw error;
      return await operation(await this.#replace(operations));
    }
  }

  /** `#withChannel`, with the exchange declared first. */
  #withExchange<T>(exchange: string, operation: (operations: OperationChannel) => Promise<T>): Promise<T> {
    return this.#withChannel(async (operations) => {
      await declareExchange(operations, exchange);
      return await operation(operations);
    });
  }

  #replace(dead: OperationChannel): Promise<OperationChannel> {
    if (!dead.replacement) {
      dead.replacement = this.#openOperationChannel();
      this.#operations = dead.replacement;
      // Marks the rejection handled; operations awaiting it still see it.
      void dead.replacement.catch(() => undefined);
    }
    return dead.replacement;
  }

  #serialize(task: () => Promise<void>): Promise<void> {
    const result = this.#bindingQueue.then(() => {
      this.#checkOpen();
      return task();
    });
    this.#bindingQueue = result.catch(() => undefined);
    return result;
  }

  #exchangeName(roomId: string): string {
    return `${this.#exchangeStart}${roomId}`;
  }

  #checkOpen(): void {
    if (this.#closed) throw new BrokerClosedError();
  }
}

/** Declares the room's exchange once per channel; concurrent callers share the declaration. */
async function declareExchange(operations: OperationChannel, exchange: string): Promise<void> {
  let declared = operations.exchanges.get(exchange);
  if (!declared) {
    declared = operations.channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
    operations.exchanges.set(exchange, declared);
    void declared.catch(() => operations.exchanges.delete(exchange));
  }
  await declared;
}

/** Publishes and resolves once RabbitMQ confirms (rejects if it refuses or the channel closes). */
function confirmPublish(channel: ConfirmChannel, exchange: string, routingKey: string, content: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    // Throws at once if the channel is already closed; the executor turns that into a rejection.
    channel.publish(exchange, routingKey, content, { contentType: 'application/json' }, (error: unknown) => {
      if (error === null || error === undefined) resolve();
      else reject(toError(error));
    });
  });
}

/** The AMQP reply code amqplib puts on channel and connection errors. */
function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

