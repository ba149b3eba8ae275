import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import amqp from 'amqplib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { randomBytes } from 'node:crypto';
import type { Bridge } from '../../launcher.js';
import { namespaceExists, namespacePids } from '../shared/networkNamespace.js';
import { SandboxLauncher } from './sandboxLauncher.js';

// What every launcher does (Janus answers, crashes reported, close and sweep remove
// everything, RabbitMQ accounts) is sandboxLauncher.contract.test.ts; here: the sandbox's isolation.

const baseDir = mkdtempSync(path.join(tmpdir(), 'plenum-bridges-'));
const launcher = new SandboxLauncher({ baseDir });
const newId = () => randomBytes(5).toString('hex');

/** A raw Janus API connection (Janus ties sessions to the connection that made them). */
async function janusConnection(bridge: Bridge) {
  if (bridge.api.kind !== 'websocket') throw new Error('expected a websocket API');
  const socket = new WebSocket(bridge.api.url, 'janus-protocol');
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const request = (body: Record<string, unknown>) => {
    const transaction = randomBytes(6).toString('hex');
    const answer = new Promise<Record<string, unknown>>((resolve) => {
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as Record<string, unknown>;
        if (message.transaction === transaction && message.janus !== 'ack') resolve(message);
      });
    });
    socket.send(JSON.stringify({ ...body, transaction }));
    return answer;
  };
  return { request, close: () => socket.close() };
}

/** Creates a session, attaches videoroom and sends one synchronous request. */
async function videoroom(bridge: Bridge, secret: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const janus = await janusConnection(bridge);
  try {
    const session = await janus.request({ janus: 'create', apisecret: secret });
    const sessionId = (session.data as { id: number }).id;
    const handle = await janus.request({ janus: 'attach', session_id: sessionId, plugin: 'janus.plugin.videoroom', apisecret: secret });
    const handleId = (handle.data as { id: number }).id;
    const answer = await janus.request({ janus: 'message', session_id: sessionId, handle_id: handleId, body, apisecret: secret });
    return (answer.plugindata as { data: Record<string, unknown> }).data;
  } finally {
    janus.close();
  }
}

afterAll(async () => {
  await launcher.close();
  rmSync(baseDir, { recursive: true, force: true });
});

describe('SandboxLauncher', () => {
  it('starts each conference its own Janus in its own namespace, isolated from the other', async () => {
    const [a, b] = await Promise.all([
      launcher.launch({ id: newId(), apiSecret: 'secret-a' }),
      launcher.launch({ id: newId(), apiSecret: 'secret-b' }),
    ]);
    expect(a.mediaAddress).not.toBe(b.mediaAddress);
    expect(a.mediaAddress).toMatch(/^198\.1[89]\./);
    expect(await namespaceExists(`plenum-${a.id}`)).toBe(true);
    expect(await namespacePids(`plenum-${a.id}`)).not.toEqual([]);

    // A room made on one bridge does not exist on the other.
    expect(await videoroom(a, 'secret-a', { request: 'create', room: 'conference', permanent: false })).toMatchObject({ videoroom: 'created' });
    expect(await videoroom(a, 'secret-a', { request: 'exists', room: 'conference' })).toMatchObject({ exists: true });
    expect(await videoroom(b, 'secret-b', { request: 'exists', room: 'conference' })).toMatchObject({ exists: false });

    // Each bridge has its own secret.
    const connection = await janusConnection(a);
    expect(await connection.request({ janus: 'create', apisecret: 'secret-b' })).toMatchObject({ janus: 'error', error: { code: 403 } });
    connection.close();

    await a.close();
    await b.close();
  });

  it('runs Janus without privileges: another user, no capabilities, its own PID namespace', async () => {
    const bridge = await launcher.launch({ id: newId(), apiSecret: 's' });
    const pids = await namespacePids(`plenum-${bridge.id}`);
    const janusPid = pids.find((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'janus');
    expect(janusPid).toBeDefined();
    const status = readFileSync(`/proc/${String(janusPid)}/status`, 'utf8');
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^Uid:\s+2\d{5}\s/m);
    for (const ns of ['pid', 'net', 'ipc', 'uts', 'user']) {
      expect(readlinkSync(`/proc/${String(janusPid)}/ns/${ns}`), ns).not.toBe(readlinkSync(`/proc/self/ns/${ns}`));
    }
    await bridge.close();
  });

  it('explains a base directory the bridges cannot reach', async () => {
    const closed = mkdtempSync(path.join(tmpdir(), 'plenum-closed-'));
    const blocked = new SandboxLauncher({ baseDir: path.join(closed, 'bridges') });
    await expect(blocked.launch({ id: newId(), apiSecret: 's' })).rejects.toThrow(/is not searchable by other users/);
    rmSync(closed, { recursive: true, force: true });
  });
});

describe('SandboxLauncher commanding bridges through RabbitMQ', () => {
  const amqpUrl = process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const brokerLauncher = new SandboxLauncher({ baseDir, brokerUrl: amqpUrl });
  afterAll(() => brokerLauncher.close());

  it("refuses a bridge's account everything but its own queues", async () => {
    const bridge = await brokerLauncher.launch({ id: newId(), apiSecret: 's' });
    const stranger = await brokerLauncher.launch({ id: newId(), apiSecret: 's' });
    if (bridge.api.kind !== 'rabbitmq' || stranger.api.kind !== 'rabbitmq') throw new Error('expected the RabbitMQ API');
    const config = readFileSync(path.join(baseDir, bridge.id, 'janus.transport.rabbitmq.jcfg'), 'utf8');
    const password = /password = "([^"]+)"/.exec(config)?.[1] ?? '';
    const connection = await amqp.connect(`amqp://plenum-bridge-${bridge.id}:${encodeURIComponent(password)}@127.0.0.1:5672`);
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await expect(channel.consume(stranger.api.toJanus, () => undefined)).rejects.toThrow(/ACCESS_REFUSED/);
    await connection.close().catch(() => undefined);
    await bridge.close();
    await stranger.close();
  });
});
