import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test-support/freePort.js';
import { janusTransportKinds, startJanus, testAmqpUrl, type TestJanus } from '../../test-support/janusProcess.js';
import { AmqpJanusTransport } from './amqpTransport.js';
import { WebSocketJanusTransport } from './websocketTransport.js';

describe.each(janusTransportKinds)('Janus transport over %s', (kind) => {
  let janus: TestJanus;
  beforeAll(async () => {
    janus = await startJanus({ transport: kind });
  });
  afterAll(async () => {
    await janus.stop();
  });

  it('moves JSON both ways, and after close() reports closing once and refuses to send', async () => {
    const transport = await janus.connect();
    const received: unknown[] = [];
    transport.onMessage((message) => received.push(message));
    const closes: unknown[] = [];
    transport.onClose((error) => closes.push(error));
    await transport.send({ janus: 'info', transaction: 't1' });
    await expect.poll(() => received).toEqual([expect.objectContaining({ janus: 'server_info', transaction: 't1' })]);
    await Promise.all([transport.close(), transport.close()]);
    expect(closes).toEqual([undefined]);
    await expect(transport.send({ janus: 'info', transaction: 't2' })).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('Janus transports failing to connect', () => {
  it('WebSocket: nothing listening rejects with transport', async () => {
    await expect(WebSocketJanusTransport.connect(`ws://127.0.0.1:${await freePort()}`, { timeoutMs: 1_000 })).rejects.toMatchObject({
      name: 'JanusError',
      code: 'transport',
    });
  });

  it('RabbitMQ: a from-queue that never appears rejects with transport after timeoutMs', async () => {
    const name = `plenum-test-${randomBytes(6).toString('hex')}`;
    const started = Date.now();
    await expect(AmqpJanusTransport.connect(testAmqpUrl, { toJanus: `${name}-to`, fromJanus: `${name}-from`, timeoutMs: 300 })).rejects.toMatchObject({
      code: 'transport',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('RabbitMQ: a second consumer of the same bridge is refused', async () => {
    const janus = await startJanus({ transport: 'rabbitmq' });
    try {
      const first = await janus.connect();
      await expect(janus.connect()).rejects.toMatchObject({ code: 'transport' });
      await first.close();
    } finally {
      await janus.stop();
    }
  });
});
