import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { janusTransportKinds, startJanus, type TestJanus } from '../../test-support/janusProcess.js';
import { JanusClient, type JanusClientOptions } from './client.js';
import { JanusError } from './errors.js';
import type { JanusPluginEvent } from './events.js';
import type { JanusTransport } from './transport.js';

const videoroom = 'janus.plugin.videoroom';

/** A room ID of its own per test, so tests sharing one Janus stay apart. */
function roomId(): string {
  return `r-${randomBytes(4).toString('hex')}`;
}

/** A transport that also records what goes through it. */
function recorded(transport: JanusTransport): { transport: JanusTransport; sent: Record<string, unknown>[]; received: unknown[] } {
  const sent: Record<string, unknown>[] = [];
  const received: unknown[] = [];
  return {
    sent,
    received,
    transport: {
      send: (message) => {
        sent.push({ ...message });
        return transport.send(message);
      },
      onMessage: (handler) =>
        transport.onMessage((message) => {
          received.push(message);
          handler(message);
        }),
      onClose: (handler) => transport.onClose(handler),
      close: () => transport.close(),
    },
  };
}

/** The `JanusError` `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<JanusError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(JanusError);
  return error as JanusError;
}

describe.each(janusTransportKinds)('JanusClient over %s', (kind) => {
  let janus: TestJanus;
  /** Clients of a test, closed after it; errors they report fail the test. */
  const clients: JanusClient[] = [];
  const reported: Error[] = [];

  beforeAll(async () => {
    janus = await startJanus({ transport: kind });
  });
  afterAll(async () => {
    await janus.stop();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    expect(reported.splice(0)).toEqual([]);
  });

  async function connect(on: TestJanus = janus, options: Partial<JanusClientOptions> = {}): Promise<JanusClient> {
    const client = new JanusClient(await on.connect(), { apiSecret: on.apiSecret, onError: (error) => reported.push(error), ...options });
    clients.push(client);
    return client;
  }

  it('creates a session, attaches to the videoroom and answers synchronous requests', async () => {
    const session = await (await connect()).createSession();
    const handle = await session.attach(videoroom);
    expect(session.id).toBeGreaterThan(0);
    expect(handle.id).toBeGreaterThan(0);
    expect(handle.plugin).toBe(videoroom);
    const room = roomId();
    expect(await handle.request({ request: 'create', room, publishers: 4 })).toMatchObject({ videoroom: 'created', room });
    expect(await handle.request({ request: 'exists', room })).toMatchObject({ videoroom: 'success', room, exists: true });
    expect(await handle.request({ request: 'listparticipants', room })).toMatchObject({ videoroom: 'participants', room, participants: [] });
  });

  it('rejects a plugin error with the plugin’s error code', async () => {
    const handle = await (await (await connect()).createSession()).attach(videoroom);
    const room = roomId();
    await handle.request({ request: 'create', room });
    const error = await rejection(handle.request({ request: 'create', room }));
    expect(error).toMatchObject({ code: 427, plugin: videoroom });
    expect(error.message).toMatch(/already exists/);
    expect(await rejection(handle.request({ request: 'exists' }))).toMatchObject({ code: 429, plugin: videoroom });
  });

  it('message() resolves with the event that answers an asynchronous request, not emitted as event', async () => {
    const { transport, sent, received } = recorded(await janus.connect());
    const client = new JanusClient(transport, { apiSecret: janus.apiSecret, onError: (error) => reported.push(error) });
    clients.push(client);
    const handle = await (await client.createSession()).attach(videoroom);
    const events: JanusPluginEvent[] = [];
    handle.on('event', (event) => events.push(event));
    const room = roomId();
    await handle.request({ request: 'create', room });
    sent.length = 0;
    const { data, jsep } = await handle.message({ request: 'join', ptype: 'publisher', room, display: 'x' });
    expect(data).toMatchObject({ videoroom: 'joined', room, publishers: [] });
    expect(jsep).toBeUndefined();
    // Janus sends an ack and the event with the join's transaction, in either order: the
    // plugin's thread may answer before Janus's core has sent the ack.
    const join = sent.find((message) => message.janus === 'message')?.transaction;
    const answers = (): string[] =>
      received.flatMap((message) => {
        const { janus: type, transaction } = message as { janus: string; transaction?: string };
        return transaction === join ? [type] : [];
      });
    await vi.waitFor(() => expect(answers().sort()).toEqual(['ack', 'event']));
    expect(events).toEqual([]);
    expect(await rejection(handle.message({ request: 'join', ptype: 'publisher', room, display: 'x' }))).toMatchObject({ code: 425, plugin: videoroom });
  });

  it('emits unsolicited plugin events', async () => {
    const session = await (await connect()).createSession();
    const [participant, admin] = await Promise.all([session.attach(videoroom), session.attach(videoroom)]);
    const room = roomId();
    await admin.request({ request: 'create', room });
    await participant.message({ request: 'join', ptype: 'publisher', room });
    const event = new Promise<JanusPluginEvent>((resolve) => participant.once('event', resolve));
    await admin.request({ request: 'destroy', room });
    expect(await event).toEqual({ plugin: videoroom, data: expect.objectContaining({ videoroom: 'destroyed', room }) as unknown, jsep: undefined });
  });

  it('rejects a wrong apisecret with code 403', async () => {
    const client = await connect(janus, { apiSecret: 'wrong' });
    expect(await rejection(client.createSession())).toMatchObject({ code: 403 });
  });

  it('trickle() and hangup() are answered', async () => {
    const handle = await (await (await connect()).createSession()).attach(videoroom);
    await handle.trickle({ candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 });
    await handle.trickle([{ candidate: 'candidate:2 1 udp 2122260223 127.0.0.1 50001 typ host', sdpMid: '0', sdpMLineIndex: 0 }]);
    await handle.trickle({ completed: true });
    await handle.hangup();
  });

  it('sends keepalives, which Janus acknowledges', async () => {
    const { transport, sent, received } = recorded(await janus.connect());
    const client = new JanusClient(transport, { apiSecret: janus.apiSecret, onError: (error) => reported.push(error) });
    clients.push(client);
    const session = await client.createSession({ keepaliveMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 650));
    const keepalives = sent.filter((message) => message.janus === 'keepalive' && message.session_id === session.id);
    const transactions = new Set(keepalives.map((message) => message.transaction));
    const acks = received.filter((message) => {
      const { janus: type, transaction } = message as { janus: string; transaction?: string };
      return type === 'ack' && transactions.has(transaction);
    });
    expect(keepalives.length).toBeGreaterThanOrEqual(4);
    expect(acks.length).toBeGreaterThanOrEqual(keepalives.length - 1);
    await session.destroy();
    const after = sent.length;
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(sent.length).toBe(after);
  });

  it('detach(), destroy() and close() are idempotent, and methods reject after them', async () => {
    const client = await connect();
    const session = await client.createSession();
    const [first, second] = await Promise.all([session.attach(videoroom), session.attach(videoroom)]);
    const closedEvents: unknown[] = [];
    first.on('closed', (error) => closedEvents.push(error));
    await Promise.all([first.detach(), first.detach()]);
    await first.detach();
    expect(first.closed).toBe(true);
    expect(closedEvents).toEqual([undefined]);
    expect(await rejection(first.request({ request: 'list' }))).toMatchObject({ code: 'closed' });
    expect(await rejection(first.trickle({ completed: true }))).toMatchObject({ code: 'closed' });

    // destroy() cascades to the handles.
    const secondClosed = new Promise((resolve) => second.once('closed', resolve));
    await Promise.all([session.destroy(), session.destroy()]);
    expect(session.closed).toBe(true);
    expect(second.closed).toBe(true);
    expect(await secondClosed).toMatchObject({ code: 'closed' });
    expect(await rejection(session.attach(videoroom))).toMatchObject({ code: 'closed' });
    expect(await rejection(second.message({ request: 'list' }))).toMatchObject({ code: 'closed' });

    await Promise.all([client.close(), client.close()]);
    expect(client.closed).toBe(true);
    expect(await rejection(client.createSession())).toMatchObject({ code: 'closed' });
  });

  it('close() closes sessions and handles and rejects pending requests with closed', async () => {
    const client = await connect();
    const session = await client.createSession();
    const handle = await session.attach(videoroom);
    const sessionClosed = new Promise((resolve) => session.once('closed', resolve));
    // Frozen, Janus answers nothing: the request stays pending until close().
    await janus.freeze();
    try {
      const pending = rejection(handle.request({ request: 'list' }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await client.close();
      expect(await pending).toMatchObject({ code: 'closed' });
    } finally {
      janus.thaw();
    }
    expect(handle.closed).toBe(true);
    expect(session.closed).toBe(true);
    expect(await sessionClosed).toMatchObject({ code: 'closed' });
    await session.destroy();
    await handle.detach();
  });

  it('rejects with timeout when Janus does not answer in time', async () => {
    const client = await connect(janus, { requestTimeoutMs: 300 });
    const handle = await (await client.createSession()).attach(videoroom);
    await janus.freeze();
    try {
      const started = Date.now();
      expect(await rejection(handle.request({ request: 'list' }))).toMatchObject({ code: 'timeout' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(await rejection(handle.request({ request: 'list' }, { timeoutMs: 50 }))).toMatchObject({ code: 'timeout' });
    } finally {
      janus.thaw();
    }
    // Janus answers the timed-out requests now; those late answers are dropped quietly.
    await expect(handle.request({ request: 'list' })).resolves.toMatchObject({ videoroom: 'success' });
  });

  it('keepalives keep a session alive past Janus’s session_timeout; without them Janus times it out', async () => {
    const own = await startJanus({ transport: kind, sessionTimeoutS: 1 });
    try {
      const client = await connect(own);
      const [idle, alive] = await Promise.all([client.createSession({ keepaliveMs: 60_000 }), client.createSession({ keepaliveMs: 300 })]);
      const idleClosed = new Promise((resolve) => idle.once('closed', resolve));
      await new Promise<void>((resolve) => idle.once('timeout', resolve));
      expect(await idleClosed).toMatchObject({ code: 'timeout' });
      expect(idle.closed).toBe(true);
      expect(await rejection(idle.attach(videoroom))).toMatchObject({ code: 'closed' });
      await expect(alive.attach(videoroom)).resolves.toMatchObject({ plugin: videoroom });
    } finally {
      await own.stop();
    }
  });

  it('Janus dying mid-request closes the client and rejects the pending request with closed', async () => {
    const own = await startJanus({ transport: kind });
    try {
      const client = await connect(own);
      const clientClosed = new Promise((resolve) => client.once('closed', resolve));
      const handle = await (await client.createSession()).attach(videoroom);
      // Frozen, then killed: the request is surely pending, and never answered. (A SIGTERM
      // would let Janus answer it while shutting down.)
      await own.freeze();
      const pending = rejection(handle.request({ request: 'list' }));
      own.process.kill('SIGKILL');
      // WebSocket: the socket closes with the process. RabbitMQ: stop() deletes the bridge's
      // queues, as a bridge's owner must, which cancels our consumer.
      await own.stop();
      expect(await pending).toMatchObject({ code: 'closed' });
      expect(await clientClosed).toMatchObject({ code: 'closed' });
      expect(handle.closed).toBe(true);
      expect(await rejection(handle.request({ request: 'list' }))).toMatchObject({ code: 'closed' });
    } finally {
      await own.stop();
    }
  });
});
