import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JoinSuccess, StartResponse } from '@plenum/protocol';
import { BridgeClaim } from '../src/bridge/routing/bridgeOwnership.js';
import { AmqpBroker } from '../src/broker/amqpBroker.js';
import type { Database } from '../src/db/database.js';
import { keys } from '../src/state/keys.js';
import { RedisStore } from '../src/state/redisStore.js';
import { apiClient, json } from '../src/test-support/apiClient.js';
import { launchBrowser } from '../src/test-support/browser.js';
import { openTestDatabase } from '../src/test-support/databases.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { openParticipant, serveMediaPage, type MediaParticipant } from '../src/test-support/mediaParticipant.js';
import { SignalingClient } from '../src/test-support/signalingClient.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

const redisUrl = process.env.PLENUM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const amqpUrl = process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const run = randomBytes(6).toString('hex');
const keyPrefix = `plenum-test:${run}:`;
const exchangePrefix = `plenum-test-${run}`;
const bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-two-media-'));

const namespaceExists = (name: string) =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .some((line) => line.split(' ')[0] === name);
const namespacePids = (name: string) =>
  execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
const rabbitUsers = () => execFileSync('rabbitmqctl', ['-q', 'list_users'], { encoding: 'utf8' });

/** One controller: its app with its own Redis and RabbitMQ connections, like a process of its own. */
interface Controller {
  t: TestApp;
  stop(): Promise<void>;
  /** Cuts it off from Redis and RabbitMQ at once, as if it had died. */
  crash(): Promise<void>;
}

type Name = 'alice' | 'bob' | 'carol';

describe('media with two controllers sharing PostgreSQL, Redis and RabbitMQ', () => {
  let db: Database | undefined;
  const redis = new Redis(redisUrl, { lazyConnect: true });
  const controllers: Controller[] = [];
  const tokens = {} as Record<Name, string>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let pageServer: Awaited<ReturnType<typeof serveMediaPage>>;

  async function startController(env: Record<string, string> = {}): Promise<Controller> {
    if (!db) throw new Error('no database');
    const store = await RedisStore.connect(redisUrl, { keyPrefix });
    const broker = await AmqpBroker.connect(amqpUrl, { exchangePrefix });
    const t = await startTestApp({
      db,
      store,
      broker,
      env: {
        PLENUM_RATE_LIMIT_PER_MINUTE: '1000',
        PLENUM_BRIDGE_LAUNCHER: 'sandbox',
        PLENUM_BRIDGE_DIR: bridgeDir,
        PLENUM_BRIDGE_GRACE: '1',
        // Bridges commanded through RabbitMQ, as in production; claims expire 3 s after a controller dies.
        PLENUM_AMQP_URL: amqpUrl,
        PLENUM_CONTROLLER_HEARTBEAT_TTL: '3',
        ...env,
      },
    });
    let stopping: Promise<void> | undefined;
    const controller: Controller = {
      t,
      stop: () =>
        (stopping ??= (async () => {
          await t.close();
          await broker.close();
          await store.close();
        })()),
      crash: async () => {
        await store.close();
        await broker.close();
      },
    };
    controllers.push(controller);
    return controller;
  }

  beforeAll(async () => {
    db = await openTestDatabase('postgres');
    const first = await startController();
    // The second trusts the first one's identity provider.
    await startController({ PLENUM_OIDC_ISSUER: `${first.t.baseUrl}/idp` });
    for (const name of ['alice', 'bob', 'carol'] as const) tokens[name] = (await devLogin(first.t.baseUrl, name, 'test-password')).accessToken;
    browser = await launchBrowser();
    pageServer = await serveMediaPage();
  });

  afterAll(async () => {
    await browser.close();
    await pageServer.close();
    for (const controller of controllers) await controller.stop();
    await db?.close();
    const leftovers = await redis.keys(`${keyPrefix}*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
    redis.disconnect();
    rmSync(bridgeDir, { recursive: true, force: true });
  });

  const api = (at: Controller, name: Name) => apiClient(at.t.baseUrl, tokens[name]);
  const ticket = async (at: Controller, name: Name, roomId: string) => StartResponse.parse((await api(at, name)('POST', `/v1/rooms/${roomId}/start`, {})).body).ticket;
  const wsUrl = (at: Controller) => `${at.t.baseUrl.replace('http', 'ws')}/v1/signaling`;

  async function participant(at: Controller, name: Name, roomId: string): Promise<{ page: MediaParticipant; id: string }> {
    const page = await openParticipant(browser.context, pageServer.url, { wsUrl: wsUrl(at), ticket: await ticket(at, name, roomId) });
    return { page, id: await page.id() };
  }

  /** A signaling connection without media (a moderator's second tab, say). */
  async function signalingOnly(at: Controller, name: Name, roomId: string): Promise<SignalingClient> {
    const client = await SignalingClient.connect(at.t.baseUrl, await ticket(at, name, roomId));
    client.send('control', { action: 'join' });
    JoinSuccess.parse(await client.next('control', 'join_success'));
    return client;
  }

  /** Bridges of the room held by each controller: exactly one of them may have one. */
  const bridgesOf = (roomId: string) => controllers.map((c) => c.t.app.signaling.bridges.local(roomId)?.bridge.id).filter((id) => id !== undefined);
  /** The room's bridge claim, read from Redis as an operator would. */
  const claimOf = async (roomId: string) => {
    const value = await redis.get(`${keyPrefix}${keys.bridgeOwner(roomId)}`);
    return value === null ? undefined : BridgeClaim.parse(JSON.parse(value));
  };

  /** Audio packets from `from` arriving at `page` within half a second. */
  const audioGrowth = async (page: MediaParticipant, from: string) => {
    const first = await page.audioPacketsFrom(from);
    await new Promise((resolve) => setTimeout(resolve, 500));
    return (await page.audioPacketsFrom(from)) - first;
  };
  const framesFrom = async (page: MediaParticipant, from: string) => (await page.stats()).remote[from]?.framesDecoded ?? 0;

  /** Log lines of all controllers mentioning `text`. */
  const logLines = (text: string) => controllers.flatMap((c) => c.t.logs).filter((line) => line.includes(text));
  /** The bridge was stopped by exactly one controller, exactly once (its broker account goes last). */
  async function stoppedOnce(bridgeId: string): Promise<void> {
    const stops = () => logLines(`"bridge":"${bridgeId}","msg":"bridge stopped"`).length;
    await expect.poll(stops, { timeout: 20_000 }).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(stops()).toBe(1);
  }

  it('gives a room one bridge for participants on both controllers: each sees and hears the other, and a mute from the other controller is enforced', { timeout: 180_000 }, async () => {
    const [one, two] = controllers as [Controller, Controller];
    const roomId = String(json(await api(one, 'alice')('POST', '/v1/rooms', { name: 'Two controllers, one bridge' })).id);

    const alice = await participant(one, 'alice', roomId);
    const bob = await participant(two, 'bob', roomId);
    await alice.page.waitForVideoFrom(bob.id, { minFrames: 5, timeoutMs: 40_000 });
    await bob.page.waitForVideoFrom(alice.id, { minFrames: 5, timeoutMs: 40_000 });
    await alice.page.waitForAudioFrom(bob.id, { minPackets: 20 });
    await bob.page.waitForAudioFrom(alice.id, { minPackets: 20 });

    // One bridge, on the controller of the first participant; the claim names it.
    const bridges = bridgesOf(roomId);
    expect(bridges).toHaveLength(1);
    expect(one.t.app.signaling.bridges.local(roomId)?.bridge.id).toBe(bridges[0]);
    expect(await claimOf(roomId)).toMatchObject({ controllerId: one.t.app.signaling.controllerId, bridgeId: bridges[0] });
    expect(logLines('"msg":"bridge started"')).toHaveLength(1);

    // Alice's second tab, on controller two, mutes Alice (whose media is on controller one's bridge).
    const moderator = await signalingOnly(two, 'alice', roomId);
    moderator.send('media', { action: 'mute', targets: [alice.id] });
    await bob.page.poll('audio from alice to stop at bob', () => audioGrowth(bob.page, alice.id), (growth) => growth === 0, 15_000);
    await alice.page.poll('alice to learn she was muted', async () => (await alice.page.state()).media.forceMuted, (muted) => muted, 10_000);
    await alice.page.setMicrophone(true);
    await bob.page.poll('audio from alice to come back', () => audioGrowth(bob.page, alice.id), (growth) => growth > 5, 15_000);

    // Everyone leaves: the bridge goes after the grace period, once, with its claim.
    const bridgeId = bridges[0]!;
    moderator.send('control', { action: 'leave' });
    await moderator.waitForClose();
    await alice.page.close();
    await bob.page.close();
    await expect.poll(() => namespaceExists(`plenum-${bridgeId}`), { timeout: 20_000 }).toBe(false);
    await stoppedOnce(bridgeId);
    await expect.poll(() => claimOf(roomId), { timeout: 5000 }).toBeUndefined();
    expect(existsSync(path.join(bridgeDir, bridgeId))).toBe(false);
    expect(await redis.keys(`${keyPrefix}*${roomId}*`)).toEqual([]);
  });

  it('moves the room on when the bridge\'s controller dies: its claim expires and another controller takes over', { timeout: 180_000 }, async () => {
    const [one, two] = controllers as [Controller, Controller];
    const three = await startController({ PLENUM_OIDC_ISSUER: `${one.t.baseUrl}/idp` });
    const roomId = String(json(await api(one, 'alice')('POST', '/v1/rooms', { name: 'Owner dies' })).id);
    const aliceAtThree = await signalingOnly(three, 'alice', roomId);
    await expect.poll(async () => (await claimOf(roomId))?.bridgeId ?? null, { timeout: 30_000 }).not.toBeNull();
    const deadBridge = three.t.app.signaling.bridges.local(roomId)?.bridge.id;
    expect(await claimOf(roomId)).toMatchObject({ controllerId: three.t.app.signaling.controllerId, bridgeId: deadBridge });

    const bob = await participant(two, 'bob', roomId);
    const carol = await participant(two, 'carol', roomId);
    await bob.page.waitForVideoFrom(carol.id, { minFrames: 5, timeoutMs: 40_000 });
    await carol.page.waitForVideoFrom(bob.id, { minFrames: 5, timeoutMs: 40_000 });

    // The death: no more Redis or RabbitMQ, its bridge dies with it (as with --die-with-parent),
    // its sockets drop. Nobody is told: the claim just stops being renewed.
    await three.crash();
    for (const pid of namespacePids(`plenum-${deadBridge!}`)) process.kill(pid, 'SIGKILL');
    aliceAtThree.socket.terminate();
    await bob.page.poll('a bridge_reset at bob', async () => (await bob.page.state()).resets, (n) => n >= 1, 60_000);
    await carol.page.poll('a bridge_reset at carol', async () => (await carol.page.state()).resets, (n) => n >= 1, 60_000);
    await bob.page.poll('video from carol again', () => framesFrom(bob.page, carol.id), (n) => n >= 5, 40_000);
    await carol.page.poll('video from bob again', () => framesFrom(carol.page, bob.id), (n) => n >= 5, 40_000);
    const newBridge = two.t.app.signaling.bridges.local(roomId)?.bridge.id;
    expect(newBridge).toBeDefined();
    expect(await claimOf(roomId)).toMatchObject({ controllerId: two.t.app.signaling.controllerId, bridgeId: newBridge });

    await bob.page.close();
    await carol.page.close();
    await stoppedOnce(newBridge!);
    await expect.poll(() => claimOf(roomId), { timeout: 5000 }).toBeUndefined();
  });

  it('moves the room to another controller when the bridge\'s controller stops: clients reconnect and media flows again', { timeout: 180_000 }, async () => {
    const [one, two] = controllers as [Controller, Controller];
    const roomId = String(json(await api(one, 'alice')('POST', '/v1/rooms', { name: 'Owner stops' })).id);

    // Alice joins at controller one first (without media): her controller claims and starts the bridge.
    const aliceAtOne = await signalingOnly(one, 'alice', roomId);
    await expect.poll(async () => (await claimOf(roomId))?.bridgeId ?? null, { timeout: 30_000 }).not.toBeNull();
    const firstBridge = one.t.app.signaling.bridges.local(roomId)?.bridge.id;
    expect(firstBridge).toBeDefined();

    // Bob and Carol, both at controller two, talk through controller one's bridge.
    const bob = await participant(two, 'bob', roomId);
    const carol = await participant(two, 'carol', roomId);
    await bob.page.waitForVideoFrom(carol.id, { minFrames: 5, timeoutMs: 40_000 });
    await carol.page.waitForVideoFrom(bob.id, { minFrames: 5, timeoutMs: 40_000 });
    expect(bridgesOf(roomId)).toEqual([firstBridge]);
    // A moderator at controller two, for the end of the meeting.
    const moderator = await signalingOnly(two, 'alice', roomId);

    await one.stop();
    expect(aliceAtOne.socket.readyState).not.toBe(aliceAtOne.socket.OPEN);
    await bob.page.poll('a bridge_reset at bob', async () => (await bob.page.state()).resets, (n) => n >= 1, 20_000);
    await carol.page.poll('a bridge_reset at carol', async () => (await carol.page.state()).resets, (n) => n >= 1, 20_000);
    // The new bridge runs at controller two; the old one is gone with its claim.
    await bob.page.poll('video from carol again', () => framesFrom(bob.page, carol.id), (n) => n >= 5, 40_000);
    await carol.page.poll('video from bob again', () => framesFrom(carol.page, bob.id), (n) => n >= 5, 40_000);
    await bob.page.waitForAudioFrom(carol.id, { minPackets: 20, timeoutMs: 20_000 });
    const secondBridge = two.t.app.signaling.bridges.local(roomId)?.bridge.id;
    expect(secondBridge).toBeDefined();
    expect(secondBridge).not.toBe(firstBridge);
    expect(await claimOf(roomId)).toMatchObject({ controllerId: two.t.app.signaling.controllerId, bridgeId: secondBridge });
    expect(namespaceExists(`plenum-${firstBridge!}`)).toBe(false);

    // Ending the meeting removes the bridge at once, once, with everything it had.
    moderator.send('moderation', { action: 'end_meeting' });
    // Sockets close once the bridge is gone, which takes a few seconds with RabbitMQ accounts.
    await moderator.waitForClose(30_000);
    await expect.poll(() => namespaceExists(`plenum-${secondBridge!}`), { timeout: 20_000 }).toBe(false);
    expect(existsSync(path.join(bridgeDir, secondBridge!))).toBe(false);
    await expect.poll(() => rabbitUsers().includes(`plenum-bridge-${secondBridge!}`), { timeout: 15_000 }).toBe(false);
    await stoppedOnce(secondBridge!);
    await expect.poll(() => claimOf(roomId), { timeout: 5000 }).toBeUndefined();
    await expect.poll(() => redis.keys(`${keyPrefix}*${roomId}*`), { timeout: 5000 }).toEqual([]);
    await bob.page.close();
    await carol.page.close();
  });
});
