import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Invite, JoinSuccess, Room, StartInvitedResponse, StartResponse, User, closeCodes, type Participant } from '@plenum/protocol';
import { AmqpBroker } from '../src/broker/amqpBroker.js';
import type { Database } from '../src/db/database.js';
import { keys } from '../src/state/keys.js';
import { RedisStore } from '../src/state/redisStore.js';
import { apiClient, type Api } from '../src/test-support/apiClient.js';
import { openTestDatabase } from '../src/test-support/databases.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { SignalingClient, type Event } from '../src/test-support/signalingClient.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

/** The real Redis and RabbitMQ the tests use; CI and every dev machine of this project have them. */
const redisUrl = process.env.PLENUM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const amqpUrl = process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** Everything this run writes to Redis and RabbitMQ lives under these, apart from other runs. */
const run = randomBytes(6).toString('hex');
const keyPrefix = `plenum-test:${run}:`;
const exchangePrefix = `plenum-test-${run}`;

/** One controller process: its app with its own Redis and RabbitMQ connections. */
interface Controller {
  t: TestApp;
  store: RedisStore;
  broker: AmqpBroker;
  stop(): Promise<void>;
}

/** The dev provider's seeded users; a fourth participant is a guest. */
type Name = 'alice' | 'bob' | 'carol';
const names: readonly Name[] = ['alice', 'bob', 'carol'];

interface SignedIn {
  user: User;
  token: string;
}

interface Joined {
  client: SignalingClient;
  success: JoinSuccess;
  id: string;
}

describe('two controllers sharing PostgreSQL, Redis and RabbitMQ', () => {
  let db: Database | undefined;
  /** A connection of our own, to look at the shared keyspace from outside. */
  const redis = new Redis(redisUrl, { lazyConnect: true });
  const controllers: Controller[] = [];
  const clients: SignalingClient[] = [];
  /** Controller A: its dev provider signs everybody in; every other controller trusts it. */
  let a: Controller;
  let b: Controller;
  const people = {} as Record<Name, SignedIn>;

  async function startController(env: Record<string, string> = {}): Promise<Controller> {
    if (!db) throw new Error('no database');
    const store = await RedisStore.connect(redisUrl, { keyPrefix });
    const broker = await AmqpBroker.connect(amqpUrl, { exchangePrefix });
    let t: TestApp;
    try {
      // All requests come from 127.0.0.1: lift the per-client limit of /start.
      t = await startTestApp({ db, store, broker, env: { PLENUM_RATE_LIMIT_PER_MINUTE: '1000', ...env } });
    } catch (error) {
      await broker.close();
      await store.close();
      throw error;
    }
    let stopping: Promise<void> | undefined;
    const controller: Controller = {
      t,
      store,
      broker,
      stop: () =>
        (stopping ??= (async () => {
          await t.close();
          await broker.close();
          await store.close();
        })()),
    };
    controllers.push(controller);
    return controller;
  }

  /** Another controller, trusting A's identity provider. */
  function startPeer(env: Record<string, string> = {}): Promise<Controller> {
    return startController({ PLENUM_OIDC_ISSUER: `${a.t.baseUrl}/idp`, ...env });
  }

  function api(at: Controller, name: Name): Api {
    return apiClient(at.t.baseUrl, people[name].token);
  }

  async function newRoom(name: string): Promise<string> {
    const response = await api(a, 'alice')('POST', '/v1/rooms', { name });
    expect(response.status).toBe(201);
    return Room.parse(response.body).id;
  }

  async function ticket(at: Controller, name: Name, roomId: string): Promise<string> {
    const response = await api(at, name)('POST', `/v1/rooms/${roomId}/start`, {});
    expect(response.status).toBe(200);
    return StartResponse.parse(response.body).ticket;
  }

  async function connect(at: Controller, ticketValue: string): Promise<SignalingClient> {
    const client = await SignalingClient.connect(at.t.baseUrl, ticketValue);
    clients.push(client);
    return client;
  }

  /** Signs `name` in at `at` (ticket from the same controller) and sends `join`. */
  async function connectAndJoin(at: Controller, name: Name, roomId: string): Promise<SignalingClient> {
    const client = await connect(at, await ticket(at, name, roomId));
    client.send('control', { action: 'join' });
    return client;
  }

  async function join(at: Controller, name: Name, roomId: string): Promise<Joined> {
    const client = await connectAndJoin(at, name, roomId);
    const success = JoinSuccess.parse(await client.next('control', 'join_success'));
    return { client, success, id: success.id };
  }

  /** A guest (invite from alice at A) joining at `at`. */
  async function joinGuest(at: Controller, roomId: string, displayName: string): Promise<Joined> {
    const invite = Invite.parse((await api(a, 'alice')('POST', `/v1/rooms/${roomId}/invites`, {})).body);
    const start = await apiClient(at.t.baseUrl)('POST', `/v1/rooms/${roomId}/start_invited`, { inviteCode: invite.code, displayName });
    const client = await connect(at, StartInvitedResponse.parse(start.body).ticket);
    client.send('control', { action: 'join' });
    const success = JoinSuccess.parse(await client.next('control', 'join_success'));
    expect(success).toMatchObject({ role: 'guest', displayName });
    return { client, success, id: success.id };
  }

  function matching(namespace: string, message: string, where: (payload: Record<string, unknown>) => boolean = () => true) {
    return (event: Event) => event.namespace === namespace && event.payload.message === message && where(event.payload);
  }

  async function leftEvent(client: SignalingClient, id: string, timeoutMs?: number): Promise<Record<string, unknown>> {
    const event = await client.waitFor(matching('control', 'left', (p) => p.id === id), timeoutMs === undefined ? {} : { timeoutMs });
    return event.payload;
  }

  async function joinedEvent(client: SignalingClient, id: string): Promise<Participant> {
    const event = await client.waitFor(matching('control', 'joined', (p) => (p.participant as Participant).id === id));
    return event.payload.participant as Participant;
  }

  async function leave(joined: Joined): Promise<void> {
    joined.client.send('control', { action: 'leave' });
    expect(await joined.client.waitForClose()).toBe(closeCodes.left);
  }

  function chatMessages(client: SignalingClient): { source: string; target: string | null; content: string }[] {
    return client.events
      .filter((e) => e.namespace === 'chat' && e.payload.message === 'message_sent')
      .map((e) => e.payload.chatMessage as { source: string; target: string | null; content: string });
  }

  /** Keys of the shared Redis matching `pattern` (after the run's prefix), found with SCAN as an operator would. */
  async function scanKeys(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${keyPrefix}${pattern}`, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  }

  function roomKeys(roomId: string): Promise<string[]> {
    return scanKeys(`${keys.roomPrefix(roomId)}*`);
  }

  async function expectRoomGone(roomId: string): Promise<void> {
    await vi.waitFor(
      async () => {
        expect(await roomKeys(roomId)).toEqual([]);
        expect(await redis.exists(`${keyPrefix}${keys.participants(roomId)}`)).toBe(0);
        expect(await redis.sismember(`${keyPrefix}${keys.activeRooms()}`, roomId)).toBe(0);
      },
      { timeout: 5000, interval: 50 },
    );
  }

  beforeAll(async () => {
    db = await openTestDatabase('postgres');
    // A first: B trusts A's issuer, which must answer discovery when B verifies a token.
    a = await startController({ PLENUM_CONTROLLER_HEARTBEAT_TTL: '3' });
    b = await startPeer();
    for (const name of names) {
      const { accessToken } = await devLogin(a.t.baseUrl, name, 'test-password');
      const me = await apiClient(a.t.baseUrl, accessToken)('GET', '/v1/users/me');
      people[name] = { token: accessToken, user: User.parse(me.body) };
    }
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.socket.terminate();
  });

  afterAll(async () => {
    for (const client of clients.splice(0)) client.socket.terminate();
    for (const controller of controllers.reverse()) await controller.stop().catch(() => undefined);
    await db?.close();
    // Everything under the run's prefix, locks included.
    const left = await scanKeys('*');
    if (left.length > 0) await redis.del(...left);
    await redis.quit();
  });

  it('knows the same users at both controllers and redeems a ticket of one controller at the other', async () => {
    const atB = await api(b, 'bob')('GET', '/v1/users/me');
    expect(User.parse(atB.body).id).toBe(people.bob.user.id);

    const roomId = await newRoom('Tickets');
    const fromA = await ticket(a, 'bob', roomId);
    const bob = await connect(b, fromA);
    bob.send('control', { action: 'join' });
    const success = JoinSuccess.parse(await bob.next('control', 'join_success'));
    expect(success.room).toMatchObject({ id: roomId, ownerId: people.alice.user.id });
    // Single use across controllers: the redeemed ticket is gone from the shared store.
    await expect(SignalingClient.connect(a.t.baseUrl, fromA)).rejects.toThrow('HTTP 401');
    await expect(SignalingClient.connect(b.t.baseUrl, fromA)).rejects.toThrow('HTTP 401');

    const fromB = await ticket(b, 'carol', roomId);
    const carol = await connect(a, fromB);
    carol.send('control', { action: 'join' });
    const carolSuccess = JoinSuccess.parse(await carol.next('control', 'join_success'));
    expect(carolSuccess.participants.map((p) => p.id)).toEqual([success.id]);

    await leave({ client: bob, success, id: success.id });
    await leave({ client: carol, success: carolSuccess, id: carolSuccess.id });
    await expectRoomGone(roomId);
  });

  it('shows a user on A and a user on B to each other, with the right participant list in join_success', async () => {
    const roomId = await newRoom('Across');
    const alice = await join(a, 'alice', roomId);
    expect(alice.success).toMatchObject({ role: 'moderator', participants: [] });

    const bob = await join(b, 'bob', roomId);
    expect(bob.success.role).toBe('user');
    expect(bob.success.participants).toEqual([
      expect.objectContaining({ id: alice.id, userId: people.alice.user.id, role: 'moderator', displayName: people.alice.user.displayName }),
    ]);
    expect(await joinedEvent(alice.client, bob.id)).toMatchObject({ id: bob.id, userId: people.bob.user.id, role: 'user', displayName: people.bob.user.displayName });

    const carol = await join(a, 'carol', roomId);
    expect(carol.success.participants.map((p) => [p.id, p.userId])).toEqual([
      [alice.id, people.alice.user.id],
      [bob.id, people.bob.user.id],
    ]);
    expect((await joinedEvent(alice.client, carol.id)).userId).toBe(people.carol.user.id);
    expect((await joinedEvent(bob.client, carol.id)).userId).toBe(people.carol.user.id);
    // Nobody hears about their own arrival.
    for (const [who, id] of [[alice, alice.id], [bob, bob.id], [carol, carol.id]] as const) {
      expect(who.client.events.some(matching('control', 'joined', (p) => (p.participant as Participant).id === id))).toBe(false);
    }

    await leave(bob);
    expect(await leftEvent(alice.client, bob.id)).toMatchObject({ reason: 'quit' });
    expect(await leftEvent(carol.client, bob.id)).toMatchObject({ reason: 'quit' });
    await leave(carol);
    expect(await leftEvent(alice.client, carol.id)).toMatchObject({ reason: 'quit' });
    await leave(alice);
    await expectRoomGone(roomId);
  });

  it('carries room chat both ways and a private message across controllers only to its target', async () => {
    const roomId = await newRoom('Chat');
    const alice = await join(a, 'alice', roomId);
    const dave = await joinGuest(a, roomId, 'Dave');
    const bob = await join(b, 'bob', roomId);
    const carol = await join(b, 'carol', roomId);
    await joinedEvent(alice.client, carol.id);
    await joinedEvent(dave.client, carol.id);
    await joinedEvent(bob.client, carol.id);

    alice.client.send('chat', { action: 'send_message', content: 'from A' });
    for (const who of [bob, carol, dave, alice]) {
      await who.client.waitFor(matching('chat', 'message_sent', (p) => (p.chatMessage as { content: string }).content === 'from A'));
    }
    bob.client.send('chat', { action: 'send_message', content: 'from B' });
    for (const who of [alice, dave, carol, bob]) {
      await who.client.waitFor(matching('chat', 'message_sent', (p) => (p.chatMessage as { content: string }).content === 'from B'));
    }

    // A → B, and B → A, each with a bystander on both controllers.
    alice.client.send('chat', { action: 'send_message', content: 'psst bob', target: bob.id });
    const toBob = await bob.client.waitFor(matching('chat', 'message_sent', (p) => (p.chatMessage as { content: string }).content === 'psst bob'));
    expect(toBob.payload.chatMessage).toMatchObject({ source: alice.id, target: bob.id });
    await alice.client.waitFor(matching('chat', 'message_sent', (p) => (p.chatMessage as { content: string }).content === 'psst bob'));
    bob.client.send('chat', { action: 'send_message', content: 'psst alice', target: alice.id });
    const toAlice = await alice.client.waitFor(matching('chat', 'message_sent', (p) => (p.chatMessage as { content: string }).content === 'psst alice'));
    expect(toAlice.payload.chatMessage).toMatchObject({ source: bob.id, target: alice.id });
    await bob.client.waitFor(matching('chat', 'message_sent', (p) => (p.chatMessage as { content: string }).content === 'psst alice'));

    // A room message sent after the private ones arrives after them: once the bystanders
    // have it, they would have had the private ones too.
    alice.client.send('chat', { action: 'send_message', content: 'marker' });
    for (const who of [carol, dave, bob]) {
      await who.client.waitFor(matching('chat', 'message_sent', (p) => (p.chatMessage as { content: string }).content === 'marker'));
    }
    for (const who of [carol, dave]) expect(chatMessages(who.client).filter((m) => m.target !== null)).toEqual([]);
    expect(chatMessages(bob.client).filter((m) => m.content === 'psst bob')).toHaveLength(1);
    expect(chatMessages(alice.client).filter((m) => m.content === 'psst alice')).toHaveLength(1);

    // A late joiner on B gets the room history, but no one else's private messages.
    await leave(carol);
    const carolAgain = await join(b, 'carol', roomId);
    const history = (carolAgain.success.modules.chat as { history: { content: string }[] }).history.map((m) => m.content);
    expect(history).toEqual(['from A', 'from B', 'marker']);

    for (const who of [carolAgain, bob, dave, alice]) await leave(who);
    await expectRoomGone(roomId);
  });

  it('lets the owner on A kick a participant on B', async () => {
    const roomId = await newRoom('Kick');
    const alice = await join(a, 'alice', roomId);
    const bob = await join(b, 'bob', roomId);
    const carol = await join(b, 'carol', roomId);
    await joinedEvent(alice.client, carol.id);

    alice.client.send('moderation', { action: 'kick', target: bob.id });
    await bob.client.next('moderation', 'kicked');
    expect(await bob.client.waitForClose()).toBe(closeCodes.kicked);
    expect(await leftEvent(alice.client, bob.id)).toMatchObject({ reason: 'kicked' });
    expect(await leftEvent(carol.client, bob.id)).toMatchObject({ reason: 'kicked' });
    expect(carol.client.events.some(matching('moderation', 'kicked'))).toBe(false);

    // A kick is no ban: bob may come back, through A this time.
    const back = await join(a, 'bob', roomId);
    await joinedEvent(alice.client, back.id);
    for (const who of [back, carol, alice]) await leave(who);
    await expectRoomGone(roomId);
  });

  it('lets the owner on A ban a participant on B, who then cannot rejoin through either controller', async () => {
    const roomId = await newRoom('Ban');
    const alice = await join(a, 'alice', roomId);
    const bob = await join(b, 'bob', roomId);
    await joinedEvent(alice.client, bob.id);
    // Taken before the ban, redeemed after it.
    const earlier = await ticket(a, 'bob', roomId);

    alice.client.send('moderation', { action: 'ban', target: bob.id });
    await bob.client.next('moderation', 'banned');
    expect(await bob.client.waitForClose()).toBe(closeCodes.banned);
    expect(await leftEvent(alice.client, bob.id)).toMatchObject({ reason: 'banned' });

    // No new ticket at either controller...
    for (const at of [b, a]) {
      const refused = await api(at, 'bob')('POST', `/v1/rooms/${roomId}/start`, {});
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'banned' });
    }
    // ...and a ticket from before the ban, redeemed at the other controller, gets no seat.
    const again = await connect(b, earlier);
    again.send('control', { action: 'join' });
    expect(await again.next('control', 'join_blocked')).toMatchObject({ reason: 'banned' });
    expect(await again.waitForClose()).toBe(closeCodes.banned);
    expect(again.events.some(matching('control', 'join_success'))).toBe(false);
    expect(alice.client.events.filter(matching('control', 'joined'))).toHaveLength(1);

    await leave(alice);
    await expectRoomGone(roomId);
  });

  it('runs the waiting room across controllers: enabled on A, waiting on B, accepted from A', async () => {
    const roomId = await newRoom('Waiting');
    const alice = await join(a, 'alice', roomId);
    const bob = await join(b, 'bob', roomId);
    await joinedEvent(alice.client, bob.id);

    alice.client.send('moderation', { action: 'enable_waiting_room' });
    await alice.client.next('moderation', 'waiting_room_enabled');
    await bob.client.next('moderation', 'waiting_room_enabled');

    const carol = await connectAndJoin(b, 'carol', roomId);
    await carol.next('moderation', 'in_waiting_room');
    const waiting = (await alice.client.next('moderation', 'joined_waiting_room')).participant as Participant;
    expect(waiting).toMatchObject({ userId: people.carol.user.id });
    expect(carol.events.some(matching('control', 'join_success'))).toBe(false);

    alice.client.send('moderation', { action: 'accept', target: waiting.id });
    const success = JoinSuccess.parse(await carol.next('control', 'join_success'));
    expect(success.id).toBe(waiting.id);
    expect(success.participants.map((p) => p.id)).toEqual([alice.id, bob.id]);
    await alice.client.waitFor(matching('moderation', 'left_waiting_room', (p) => p.id === waiting.id));
    await joinedEvent(alice.client, waiting.id);
    await joinedEvent(bob.client, waiting.id);
    // Only moderators hear of the waiting room.
    for (const message of ['joined_waiting_room', 'left_waiting_room']) {
      expect(bob.client.events.some(matching('moderation', message))).toBe(false);
    }

    for (const who of [{ client: carol, success, id: success.id }, bob, alice]) await leave(who);
    await expectRoomGone(roomId);
  });

  it('ends the meeting for everyone on both controllers', async () => {
    const roomId = await newRoom('End');
    const alice = await join(a, 'alice', roomId);
    const dave = await joinGuest(a, roomId, 'Dave');
    const bob = await join(b, 'bob', roomId);
    const carol = await join(b, 'carol', roomId);
    await joinedEvent(alice.client, carol.id);

    alice.client.send('moderation', { action: 'end_meeting' });
    for (const who of [alice, dave, bob, carol]) {
      await who.client.next('moderation', 'meeting_ended');
      expect(await who.client.waitForClose()).toBe(closeCodes.meetingEnded);
    }
    await expectRoomGone(roomId);
  });

  it('shows the participants of a controller that stops gracefully as left on the other', async () => {
    const c = await startPeer();
    const roomId = await newRoom('Graceful');
    const alice = await join(a, 'alice', roomId);
    const bob = await join(c, 'bob', roomId);
    const carol = await join(c, 'carol', roomId);
    await joinedEvent(alice.client, carol.id);

    await c.stop();
    expect(await bob.client.waitForClose()).toBe(closeCodes.serverShutdown);
    expect(await carol.client.waitForClose()).toBe(closeCodes.serverShutdown);
    expect(await leftEvent(alice.client, bob.id)).toMatchObject({ reason: 'quit' });
    expect(await leftEvent(alice.client, carol.id)).toMatchObject({ reason: 'quit' });
    await vi.waitFor(async () => expect((await a.t.app.signaling.roomState(roomId).participants()).map((p) => p.id)).toEqual([alice.id]), {
      timeout: 5000,
      interval: 50,
    });

    await leave(alice);
    await expectRoomGone(roomId);
  });

  it('shows the participants of a crashed controller as left once its heartbeat expires', async () => {
    const c = await startPeer({ PLENUM_CONTROLLER_HEARTBEAT_TTL: '1' });
    const roomId = await newRoom('Crash');
    const alice = await join(a, 'alice', roomId);
    const bob = await join(c, 'bob', roomId);
    const carol = await join(c, 'carol', roomId);
    await joinedEvent(alice.client, carol.id);

    // The crash: the controller loses Redis and RabbitMQ at once, so it can neither refresh its
    // heartbeat nor tell anyone, and then its sockets drop.
    await c.store.close();
    await c.broker.close();
    bob.client.socket.terminate();
    carol.client.socket.terminate();

    // A's sweep (every 1.5 s with its 3 s heartbeat) finds the heartbeat gone.
    expect(await leftEvent(alice.client, bob.id, 10_000)).toMatchObject({ reason: 'timeout' });
    expect(await leftEvent(alice.client, carol.id, 10_000)).toMatchObject({ reason: 'timeout' });
    await vi.waitFor(async () => expect((await a.t.app.signaling.roomState(roomId).participants()).map((p) => p.id)).toEqual([alice.id]), {
      timeout: 5000,
      interval: 50,
    });

    await c.stop();
    await leave(alice);
    await expectRoomGone(roomId);
  });

  it('leaves no Redis key of any room behind once everyone has left', async () => {
    expect(await scanKeys('plenum:room:*')).toEqual([]);
    expect(await scanKeys('plenum:participants:*')).toEqual([]);
    expect(await redis.smembers(`${keyPrefix}${keys.activeRooms()}`)).toEqual([]);
  });
});
