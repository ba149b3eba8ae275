import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartResponse } from '@plenum/protocol';
import { RedisStore } from '../src/state/redisStore.js';
import { apiClient, json, type Api } from '../src/test-support/apiClient.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { SignalingClient } from '../src/test-support/signalingClient.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

const redisUrl = process.env.PLENUM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const amqpUrl = process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

const namespaces = () =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith('plenum-'));
const rabbit = (...args: string[]) => execFileSync('rabbitmqctl', ['-q', ...args], { encoding: 'utf8' });

describe('two conferences at once, each with its own bridge', () => {
  const bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-lifecycle-'));
  const keyPrefix = `plenum-test:${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(redisUrl);
  let store: RedisStore;
  let t: TestApp;
  let alice: Api;

  beforeAll(async () => {
    store = await RedisStore.connect(redisUrl, { keyPrefix });
    // A long grace: only ending the meeting may stop a bridge here.
    t = await startTestApp({
      store,
      env: { PLENUM_BRIDGE_LAUNCHER: 'sandbox', PLENUM_BRIDGE_DIR: bridgeDir, PLENUM_BRIDGE_GRACE: '600', PLENUM_AMQP_URL: amqpUrl },
    });
    alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
  });
  afterAll(async () => {
    await t.close();
    await store.close();
    const leftovers = await redis.keys(`${keyPrefix}*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
    redis.disconnect();
    rmSync(bridgeDir, { recursive: true, force: true });
  });

  async function conference(name: string) {
    const roomId = String(json(await alice('POST', '/v1/rooms', { name })).id);
    const ticket = StartResponse.parse((await alice('POST', `/v1/rooms/${roomId}/start`, {})).body).ticket;
    const client = await SignalingClient.connect(t.baseUrl, ticket);
    client.send('control', { action: 'join' });
    await client.next('control', 'join_success');
    return { roomId, client };
  }

  const bridgeUsers = () => rabbit('list_users').split('\n').filter((line) => line.startsWith('plenum-bridge-'));

  it('starts one bridge per conference and, when one meeting ends, removes everything it had and only that', async () => {
    // Other test files run bridges too: look only at this app's, by conference.
    const bridgeOf = async (roomId: string) => (await t.app.signaling.bridges.get(roomId, 'vp8')).bridge.id;
    const a = await conference('Conference A');
    const b = await conference('Conference B');
    const namespaceA = `plenum-${await bridgeOf(a.roomId)}`;
    const namespaceB = `plenum-${await bridgeOf(b.roomId)}`;
    expect(namespaceA).not.toBe(namespaceB);
    expect(namespaces()).toEqual(expect.arrayContaining([namespaceA, namespaceB]));
    const idOf = (namespace: string) => namespace.slice('plenum-'.length);
    await expect
      .poll(() => bridgeUsers().map((line) => line.split('\t')[0]), { timeout: 15_000 })
      .toEqual(expect.arrayContaining([`plenum-bridge-${idOf(namespaceA)}`, `plenum-bridge-${idOf(namespaceB)}`]));
    expect(existsSync(path.join(bridgeDir, idOf(namespaceA)))).toBe(true);
    a.client.send('chat', { action: 'send_message', content: 'something to forget' });
    await a.client.next('chat', 'message_sent');
    expect(await redis.keys(`${keyPrefix}plenum:room:${a.roomId}:*`)).not.toEqual([]);

    a.client.send('moderation', { action: 'end_meeting' });
    await a.client.waitForClose();

    // Conference A: no process, no namespace, no files, no queue, no broker account, no Redis key.
    await expect.poll(() => namespaces().includes(namespaceA), { timeout: 15_000 }).toBe(false);
    expect(namespaces()).toContain(namespaceB);
    expect(existsSync(path.join(bridgeDir, idOf(namespaceA)))).toBe(false);
    expect(rabbit('list_queues', 'name')).not.toContain(`plenum-bridge-${idOf(namespaceA)}`);
    expect(bridgeUsers().join('\n')).not.toContain(idOf(namespaceA));
    await expect.poll(() => redis.keys(`${keyPrefix}plenum:room:${a.roomId}:*`)).toEqual([]);
    expect(await redis.exists(`${keyPrefix}plenum:participants:${a.roomId}`)).toBe(0);

    // Conference B is untouched and still served.
    expect(readdirSync(bridgeDir)).toEqual([idOf(namespaceB)]);
    expect(rabbit('list_queues', 'name')).toContain(`plenum-bridge-${idOf(namespaceB)}-to`);
    b.client.send('chat', { action: 'send_message', content: 'still here' });
    expect(await b.client.next('chat', 'message_sent')).toBeTruthy();
    b.client.send('moderation', { action: 'end_meeting' });
    await b.client.waitForClose();
    await expect.poll(() => namespaces().includes(namespaceB), { timeout: 15_000 }).toBe(false);
  });
});
