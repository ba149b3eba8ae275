import { CodedError } from '../../errors.js';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Broker } from '../../broker/broker.js';

/** Routing key of the requests and replies for one controller, within a room's topic. */
export const bridgeRoutingKey = (controllerId: string) => `bridge.${controllerId}`;
/** Routing key of notices to every controller with an interest in the room's bridge. */
export const bridgeNoticeKey = 'bridges';
/** Whether a routing key belongs to the bridge messages (the hub hands those to the router). */
export const isBridgeRoutingKey = (routingKey: string) => routingKey === bridgeNoticeKey || routingKey.startsWith('bridge.');

/** Why a remote bridge request failed. */
export type BridgeRpcErrorCode = 'not_owner' | 'no_bridge' | 'failed' | 'timeout' | 'closed';

export class BridgeRpcError extends CodedError<BridgeRpcErrorCode> {
  override readonly name = 'BridgeRpcError';
}

const controllerId = z.string().min(1).max(100);
const requestId = z.uuid();

/** What controllers send each other about bridges; validated on receipt like any input. */
const BridgeMessage = z.union([
  z.strictObject({ type: z.literal('bridge_request'), id: requestId, from: controllerId, body: z.unknown() }),
  z.discriminatedUnion('ok', [
    z.strictObject({ type: z.literal('bridge_reply'), id: requestId, ok: z.literal(true), result: z.unknown() }),
    z.strictObject({
      type: z.literal('bridge_reply'),
      id: requestId,
      ok: z.literal(false),
      error: z.strictObject({ code: z.enum(['not_owner', 'no_bridge', 'failed']), message: z.string().max(500) }),
    }),
  ]),
  /** The room's bridge changed (replaced or stopped): check the claim now. */
  z.strictObject({ type: z.literal('bridge_changed') }),
]);
type BridgeMessage = z.infer<typeof BridgeMessage>;

/** Handles a request from another controller; throw a `BridgeRpcError('not_owner')` to refuse it. */
export type BridgeRequestHandler = (roomId: string, body: unknown) => Promise<unknown>;

interface Pending {
  resolve(result: unknown): void;
  reject(error: BridgeRpcError): void;
  timer: NodeJS.Timeout;
}

/**
 * Request and reply between controllers over the broker, for the bridge of a room: a request
 * goes to the owner's routing key with a fresh ID and the sender's controller ID; the owner
 * answers to the sender's key with the same ID; a request unanswered within its timeout
 * rejects, and its late reply is dropped. Delivery is at most once (as the broker's), so
 * callers treat a timeout as "unknown outcome".
 */
export class BridgeRpc {
  readonly #broker: Broker;
  readonly #controllerId: string;
  readonly #pending = new Map<string, Pending>();
  readonly #onError: (error: Error) => void;
  #handler: BridgeRequestHandler | undefined;
  #onNotice: ((roomId: string) => void) | undefined;
  #closed = false;

  constructor(options: { broker: Broker; controllerId: string; onError: (error: Error) => void }) {
    this.#broker = options.broker;
    this.#controllerId = options.controllerId;
    this.#onError = options.onError;
  }

  /** Sets the handler of requests addressed to this controller. */
  onRequest(handler: BridgeRequestHandler): void {
    this.#handler = handler;
  }

  /** Sets the handler of `bridge_changed` notices. */
  onNotice(handler: (roomId: string) => void): void {
    this.#onNotice = handler;
  }

  /** Starts receiving this room's requests, replies and notices. */
  async bind(roomId: string): Promise<void> {
    await this.#broker.bind(roomId, bridgeRoutingKey(this.#controllerId));
    await this.#broker.bind(roomId, bridgeNoticeKey);
  }

  async unbind(roomId: string): Promise<void> {
    await this.#broker.unbind(roomId, bridgeRoutingKey(this.#controllerId));
    await this.#broker.unbind(roomId, bridgeNoticeKey);
  }

  /** Sends `body` to controller `to` about the room's bridge; resolves with its result. */
  call(roomId: string, to: string, body: unknown, timeoutMs: number): Promise<unknown> {
    if (this.#closed) return Promise.reject(new BridgeRpcError('closed', 'bridge requests are closed'));
    const id = randomUUID();
    const answered = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new BridgeRpcError('timeout', `controller ${to} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    const request: BridgeMessage = { type: 'bridge_request', id, from: this.#controllerId, body };
    this.#broker.publish(roomId, bridgeRoutingKey(to), request).catch((error: unknown) => {
      this.#settle(id)?.reject(new BridgeRpcError('failed', 'could not send the bridge request', { cause: error }));
    });
    return answered;
  }

  /** Tells every controller interested in the room that its bridge changed. */
  async notify(roomId: string): Promise<void> {
    const notice: BridgeMessage = { type: 'bridge_changed' };
    await this.#broker.publish(roomId, bridgeNoticeKey, notice);
  }

  /** A broker message with a bridge routing key (see `isBridgeRoutingKey`). */
  receive(roomId: string, raw: unknown): void {
    const parsed = BridgeMessage.safeParse(raw);
    if (!parsed.success) {
      this.#onError(new Error('dropped a malformed bridge message', { cause: parsed.error }));
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'bridge_changed':
        this.#onNotice?.(roomId);
        return;
      case 'bridge_reply': {
        const pending = this.#settle(message.id);
        if (!pending) return; // Timed out meanwhile.
        if (message.ok) pending.resolve(message.result);
        else pending.reject(new BridgeRpcError(message.error.code, message.error.message));
        return;
      }
      case 'bridge_request':
        void this.#answer(roomId, message.id, message.from, message.body);
        return;
    }
  }

  /** Rejects every pending request. */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(new BridgeRpcError('closed', 'bridge requests are closed'));
  }

  async #answer(roomId: string, id: string, from: string, body: unknown): Promise<void> {
    let reply: BridgeMessage;
    try {
      if (!this.#handler || this.#closed) throw new BridgeRpcError('not_owner', 'this controller serves no bridges');
      reply = { type: 'bridge_reply', id, ok: true, result: (await this.#handler(roomId, body)) ?? null };
    } catch (error) {
      const code = error instanceof BridgeRpcError && (error.code === 'not_owner' || error.code === 'no_bridge') ? error.code : 'failed';
      // The message only: never a stack trace, and bounded.
      const message = (error instanceof Error ? error.message : 'request failed').slice(0, 500);
      reply = { type: 'bridge_reply', id, ok: false, error: { code, message } };
    }
    await this.#broker.publish(roomId, bridgeRoutingKey(from), reply).catch((error: unknown) => {
      this.#onError(new Error('could not send a bridge reply', { cause: error }));
    });
  }

  #settle(id: string): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }
}
