import type { Broker } from './broker.js';
import { BrokerClosedError, checkAddress, decodeMessage, encodeMessage, toError } from './brokerCodec.js';

/** Receives a message routed by a `MemoryBus`, as JSON text. */
type Receiver = (roomId: string, routingKey: string, payload: string) => void;

/** Handler registered with `Broker.onMessage`. */
type MessageHandler = (roomId: string, routingKey: string, message: unknown) => void;

/**
 * The in-process hub that `MemoryBroker`s attach to: the stand-in for RabbitMQ. Brokers see each
 * other's messages only if they share a bus, so tests can run several "controllers" on one.
 */
export class MemoryBus {
  /** room → routing key → receivers bound to it. */
  readonly #routes = new Map<string, Map<string, Set<Receiver>>>();

  /** Routes the room's messages with this exact routing key to `receiver`. Idempotent. */
  bind(roomId: string, routingKey: string, receiver: Receiver): void {
    let keys = this.#routes.get(roomId);
    if (!keys) this.#routes.set(roomId, (keys = new Map<string, Set<Receiver>>()));
    let receivers = keys.get(routingKey);
    if (!receivers) keys.set(routingKey, (receivers = new Set()));
    receivers.add(receiver);
  }

  /** Stops routing them to `receiver`. Idempotent. */
  unbind(roomId: string, routingKey: string, receiver: Receiver): void {
    const keys = this.#routes.get(roomId);
    const receivers = keys?.get(routingKey);
    if (!keys || !receivers) return;
    receivers.delete(receiver);
    // Drop empty entries so that rooms that were used once do not stay in memory.
    if (receivers.size === 0) keys.delete(routingKey);
    if (keys.size === 0) this.#routes.delete(roomId);
  }

  /**
   * Delivers `payload` once to each receiver bound when this is called (as RabbitMQ routes on
   * publish), but later, in a microtask: callers never see handlers run inside `publish`.
   * Microtasks run in order, so each publisher's messages arrive in the order it sent them.
   */
  publish(roomId: string, routingKey: string, payload: string): void {
    const receivers = this.#routes.get(roomId)?.get(routingKey);
    if (!receivers) return;
    const snapshot = [...receivers];
    queueMicrotask(() => {
      for (const receive of snapshot) receive(roomId, routingKey, payload);
    });
  }
}

/** Options of `MemoryBroker`. */
export interface MemoryBrokerOptions {
  /** Errors thrown by the message handler; default: a process warning. */
  onError?: (error: Error) => void;
}

/**
 * `Broker` within one process (the embedded default, and the model for tests): one per
 * controller, attached to a `MemoryBus` shared by the controllers that should talk.
 *
 * Like the wire, it hands every receiver its own copy, parsed from the JSON that was published,
 * so controllers never share an object, and values without a JSON form are refused on publish.
 */
export class MemoryBroker implements Broker {
  readonly #bus: MemoryBus;
  readonly #onError: (error: Error) => void;
  /** room → routing keys bound by this broker, to unbind them all on close. */
  readonly #bindings = new Map<string, Set<string>>();
  /** One identity on the bus, so binding a key twice still delivers once. */
  readonly #receiver: Receiver = (roomId, routingKey, payload) => {
    this.#deliver(roomId, routingKey, payload);
  };
  #handler: MessageHandler | undefined;
  #closed = false;

  constructor(bus: MemoryBus, options: MemoryBrokerOptions = {}) {
    this.#bus = bus;
    this.#onError = options.onError ?? ((error) => process.emitWarning(error));
  }

  async publish(roomId: string, routingKey: string, message: unknown): Promise<void> {
    this.#checkOpen();
    checkAddress(roomId, routingKey);
    this.#bus.publish(roomId, routingKey, encodeMessage(message));
  }

  async bind(roomId: string, routingKey: string): Promise<void> {
    this.#checkOpen();
    checkAddress(roomId, routingKey);
    let keys = this.#bindings.get(roomId);
    if (!keys) this.#bindings.set(roomId, (keys = new Set()));
    keys.add(routingKey);
    this.#bus.bind(roomId, routingKey, this.#receiver);
  }

  async unbind(roomId: string, routingKey: string): Promise<void> {
    this.#checkOpen();
    checkAddress(roomId, routingKey);
    const keys = this.#bindings.get(roomId);
    if (!keys?.delete(routingKey)) return;
    if (keys.size === 0) this.#bindings.delete(roomId);
    this.#bus.unbind(roomId, routingKey, this.#receiver);
  }

  onMessage(handler: MessageHandler): void {
    this.#handler = handler;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const [roomId, keys] of this.#bindings) {
      for (const routingKey of keys) this.#bus.unbind(roomId, routingKey, this.#receiver);
    }
    this.#bindings.clear();
    this.#handler = undefined;
  }

  #deliver(roomId: string, routingKey: string, payload: string): void {
    // Messages already routed when the broker closed are dropped, as with a deleted queue.
    const handler = this.#handler;
    if (this.#closed || !handler) return;
    try {
      handler(roomId, routingKey, decodeMessage(payload));
    } catch (error) {
      // One faulty handler must not stop delivery to the other brokers on the bus.
      this.#onError(toError(error));
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new BrokerClosedError();
  }
}
