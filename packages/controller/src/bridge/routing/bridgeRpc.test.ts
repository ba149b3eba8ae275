import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AmqpBroker } from '../../broker/amqpBroker.js';
import type { Broker } from '../../broker/broker.js';
import { MemoryBroker, MemoryBus } from '../../broker/memoryBroker.js';
import { BridgeRpc, BridgeRpcError, bridgeRoutingKey, isBridgeRoutingKey } from './bridgeRpc.js';

const amqpUrl = process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const exchangePrefix = `plenum-test-${randomBytes(6).toString('hex')}`;

const opened: Broker[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((broker) => broker.close()));
});

/** Two controllers, each with its broker and its `BridgeRpc` receiving what the hub would hand it. */
async function pair(open: () => Promise<[Broker, Broker]>) {
  const brokers = await open();
  opened.push(...brokers);
  const onError = vi.fn();
  const [a, b] = brokers.map((broker) => {
    const id = randomUUID();
    const rpc = new BridgeRpc({ broker, controllerId: id, onError });
    broker.onMessage((roomId, routingKey, message) => {
      if (isBridgeRoutingKey(routingKey)) rpc.receive(roomId, message);
    });
    return { id, rpc, broker };
  }) as [{ id: string; rpc: BridgeRpc; broker: Broker }, { id: string; rpc: BridgeRpc; broker: Broker }];
  return { a, b, onError };
}

function rpcSuite(name: string, open: () => Promise<[Broker, Broker]>): void {
  describe(`BridgeRpc on ${name}`, () => {
    it('answers a request with the result of the owner, correlated by ID', async () => {
      const { a, b } = await pair(open);
      const room = randomUUID();
      await Promise.all([a.rpc.bind(room), b.rpc.bind(room)]);
      b.rpc.onRequest(async (roomId, body) => ({ roomId, echo: body }));
      const results = await Promise.all([1, 2, 3].map((n) => a.rpc.call(room, b.id, { n }, 5000)));
      expect(results).toEqual([1, 2, 3].map((n) => ({ roomId: room, echo: { n } })));
    });

    it('passes a refusal on as its code, and a failure without its stack', async () => {
      const { a, b } = await pair(open);
      const room = randomUUID();
      await Promise.all([a.rpc.bind(room), b.rpc.bind(room)]);
      b.rpc.onRequest(async (_roomId, body) => {
        if (body === 'refuse') throw new BridgeRpcError('not_owner', 'not mine');
        throw new Error('janus exploded');
      });
      await expect(a.rpc.call(room, b.id, 'refuse', 5000)).rejects.toMatchObject({ code: 'not_owner', message: 'not mine' });
      const failure = await a.rpc.call(room, b.id, 'fail', 5000).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(BridgeRpcError);
      expect(failure).toMatchObject({ code: 'failed', message: 'janus exploded' });
    });

    it('times out when the owner is gone, and drops a late reply', async () => {
      const { a, b } = await pair(open);
      const room = randomUUID();
      await Promise.all([a.rpc.bind(room), b.rpc.bind(room)]);
      let release: (() => void) | undefined;
      b.rpc.onRequest(() => new Promise((resolve) => (release = () => resolve('late'))));
      await expect(a.rpc.call(room, b.id, 'slow', 300)).rejects.toMatchObject({ code: 'timeout' });
      release?.();
      // Nobody is listening to a request addressed to a controller that never bound the room.
      await expect(a.rpc.call(room, randomUUID(), 'nobody', 300)).rejects.toMatchObject({ code: 'timeout' });
    });

    it('tells every bound controller of a changed bridge, and no one else', async () => {
      const { a, b } = await pair(open);
      const room = randomUUID();
      const other = randomUUID();
      await Promise.all([a.rpc.bind(room), b.rpc.bind(room), b.rpc.bind(other)]);
      const seenByB: string[] = [];
      b.rpc.onNotice((roomId) => seenByB.push(roomId));
      await a.rpc.notify(room);
      await expect.poll(() => seenByB).toEqual([room]);
      await b.rpc.unbind(room);
      await a.rpc.notify(room);
      await b.rpc.notify(other);
      await expect.poll(() => seenByB).toEqual([room, other]);
    });

    it('drops malformed bridge messages and reports them', async () => {
      const { a, b, onError } = await pair(open);
      const room = randomUUID();
      await b.rpc.bind(room);
      await a.broker.publish(room, bridgeRoutingKey(b.id), { type: 'bridge_request', id: 'not-a-uuid', from: a.id, body: null });
      await a.broker.publish(room, bridgeRoutingKey(b.id), { type: 'bridge_reply', id: randomUUID(), ok: false, error: { code: 'anything' } });
      await expect.poll(() => onError.mock.calls.length).toBe(2);
    });

    it('rejects pending and new requests once closed', async () => {
      const { a, b } = await pair(open);
      const room = randomUUID();
      await Promise.all([a.rpc.bind(room), b.rpc.bind(room)]);
      b.rpc.onRequest(() => new Promise(() => undefined));
      const pending = a.rpc.call(room, b.id, 'never', 5000);
      a.rpc.close();
      await expect(pending).rejects.toMatchObject({ code: 'closed' });
      await expect(a.rpc.call(room, b.id, 'again', 5000)).rejects.toMatchObject({ code: 'closed' });
    });
  });
}

rpcSuite('MemoryBroker', async () => {
  const bus = new MemoryBus();
  return [new MemoryBroker(bus), new MemoryBroker(bus)];
});
rpcSuite('AmqpBroker (RabbitMQ)', async () => {
  const [a, b] = await Promise.all([AmqpBroker.connect(amqpUrl, { exchangePrefix }), AmqpBroker.connect(amqpUrl, { exchangePrefix })]);
  return [a, b];
});
