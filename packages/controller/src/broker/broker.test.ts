import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, connect as connectTcp, type Server, type Socket } from 'node:net';
import { connect as connectAmqp } from 'amqplib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort } from '../test-support/freePort.js';
import { AmqpBroker } from './amqpBroker.js';
import { arrival, brokerContract, recordMessages } from './broker.contract.js';
import { routingKeys, type Broker } from './broker.js';
import { MemoryBroker, MemoryBus } from './memoryBroker.js';

/** The real RabbitMQ the tests use; CI and every dev machine of this project have it. */
const testAmqpUrl = process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** Exchanges of this run, apart from those of other runs sharing the server. */
const exchangePrefix = `plenum-test-${randomBytes(6).toString('hex')}`;

brokerContract('MemoryBroker', async () => {
  const bus = new MemoryBus();
  return [new MemoryBroker(bus), new MemoryBroker(bus)];
});

brokerContract('AmqpBroker', async () => {
  const [a, b] = await Promise.all([
    AmqpBroker.connect(testAmqpUrl, { exchangePrefix }),
    AmqpBroker.connect(testAmqpUrl, { exchangePrefix }),
  ]);
  return [a, b];
});

/** Brokers opened by a test, closed after it. */
const opened: Broker[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((broker) => broker.close()));
});

function track<T extends Broker>(broker: T): T {
  opened.push(broker);
  return broker;
}

describe('MemoryBroker', () => {
  it('reports a throwing handler and keeps delivering', async () => {
    const bus = new MemoryBus();
    const onError = vi.fn();
    const a = track(new MemoryBroker(bus, { onError }));
    const b = track(new MemoryBroker(bus));
    a.onMessage(() => {
      throw new Error('handler bug');
    });
    const atB = recordMessages(b);
    const room = randomUUID();
    await Promise.all([a.bind(room, routingKeys.room), b.bind(room, routingKeys.room)]);
    await a.publish(room, routingKeys.room, { n: 1 });
    await arrival(atB, { n: 1 });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'handler bug' }));
  });

  it('keeps buses apart', async () => {
    const a = track(new MemoryBroker(new MemoryBus()));
    const b = track(new MemoryBroker(new MemoryBus()));
    const atA = recordMessages(a);
    const atB = recordMessages(b);
    const room = randomUUID();
    await Promise.all([a.bind(room, routingKeys.room), b.bind(room, routingKeys.room)]);
    await a.publish(room, routingKeys.room, { n: 1 });
    await a.publish(room, routingKeys.room, { sentinel: 1 });
    await arrival(atA, { sentinel: 1 });
    expect(atB).toEqual([]);
  });
});

describe('AmqpBroker', () => {
  const connectBroker = (options: { onError?: (error: Error) => void } = {}, url = testAmqpUrl) =>
    AmqpBroker.connect(url, { exchangePrefix, ...options }).then(track);

  /** A plain amqplib channel, to do what the broker never does; closed by `close`. */
  async function rawChannel() {
    const connection = await connectAmqp(testAmqpUrl);
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    return { channel, close: () => connection.close() };
  }

  it('hands a payload that is not JSON to the handler as undefined', async () => {
    const broker = await connectBroker();
    const received = recordMessages(broker);
    const room = randomUUID();
    await broker.bind(room, routingKeys.room);
    const raw = await rawChannel();
    const exchange = `${exchangePrefix}.room.${room}`;
    raw.channel.publish(exchange, 'room', Buffer.from('not json'));
    raw.channel.publish(exchange, 'room', Buffer.from([0x22, 0xff, 0x22])); // invalid UTF-8 in a string
    raw.channel.publish(exchange, 'room', Buffer.from('{"sentinel":1}'));
    await raw.channel.waitForConfirms();
    await raw.close();
    const sentinel = await arrival(received, { sentinel: 1 });
    expect(received.slice(0, sentinel).map((entry) => entry.message)).toEqual([undefined, undefined]);
  });

  it('publishes again after the room exchange was auto-deleted under it', async () => {
    const receiver = await connectBroker();
    const publisher = await connectBroker();
    const received = recordMessages(receiver);
    const room = randomUUID();
    const otherRoom = randomUUID();
    await receiver.bind(room, routingKeys.room);
    await receiver.bind(otherRoom, routingKeys.room);
    await publisher.publish(room, routingKeys.room, { n: 1 });
    await arrival(received, { n: 1 });

    // The receiver's unbind removes the exchange's last binding, so RabbitMQ deletes it, while
    // the publisher still believes it declared.
    await receiver.unbind(room, routingKeys.room);
    const raw = await rawChannel();
    await expect(raw.channel.checkExchange(`${exchangePrefix}.room.${room}`)).rejects.toMatchObject({ code: 404 });
    await raw.close().catch(() => undefined);

    // The failing publish closes the channel under the one in flight beside it: both succeed.
    await Promise.all([
      publisher.publish(room, routingKeys.room, { n: 2 }),
      publisher.publish(otherRoom, routingKeys.room, { n: 3 }),
    ]);
    await arrival(received, { n: 3 });
    await receiver.bind(room, routingKeys.room);
    await publisher.publish(room, routingKeys.room, { n: 4 });
    await arrival(received, { n: 4 });
    expect(received.map((entry) => entry.message)).not.toContainEqual({ n: 2 });
  });

  it('reports a throwing handler and keeps consuming', async () => {
    const onError = vi.fn();
    const broker = await connectBroker({ onError });
    const room = randomUUID();
    const seen: unknown[] = [];
    broker.onMessage((_roomId, _routingKey, message) => {
      seen.push(message);
      if (seen.length === 1) throw new Error('handler bug');
    });
    await broker.bind(room, routingKeys.room);
    await broker.publish(room, routingKeys.room, { n: 1 });
    await broker.publish(room, routingKeys.room, { n: 2 });
    await vi.waitFor(() => expect(seen).toEqual([{ n: 1 }, { n: 2 }]));
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'handler bug' }));
  });

  it('reports the loss of the connection and behaves as closed', async () => {
    const proxy = await tcpProxy(new URL(testAmqpUrl));
    try {
      const onError = vi.fn<(error: Error) => void>();
      const url = new URL(testAmqpUrl);
      url.host = `127.0.0.1:${proxy.port}`;
      const broker = await connectBroker({ onError }, url.toString());
      const room = randomUUID();
      await broker.bind(room, routingKeys.room);

      proxy.cut();
      await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
      expect(onError.mock.calls[0]?.[0].message).toMatch(/connection lost/);
      await expect(broker.publish(room, routingKeys.room, {})).rejects.toThrow(/closed/);
      await broker.close();
      await broker.close();
      expect(onError).toHaveBeenCalledTimes(1);
    } finally {
      await proxy.close();
    }
  });

  it('refuses an unsafe exchange prefix', async () => {
    await expect(AmqpBroker.connect(testAmqpUrl, { exchangePrefix: 'plenum.#' })).rejects.toThrow(/exchange prefix/);
  });

  it('says when RabbitMQ is unreachable, without the password', async () => {
    const port = await freePort();
    const failure = AmqpBroker.connect(`amqp://guest:s3cret@127.0.0.1:${port}`);
    await expect(failure).rejects.toThrow(/unreachable/);
    await expect(failure).rejects.not.toThrow(/s3cret/);
  });
});

/** A TCP proxy to the server of `target` whose connections can be cut, to simulate a network failure. */
async function tcpProxy(target: URL): Promise<{ port: number; cut: () => void; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connectTcp(Number(target.port || 5672), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const cut = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port,
    cut,
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}
