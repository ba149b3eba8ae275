import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import amqp from 'amqplib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { randomBytes } from 'node:crypto';
import { AmqpJanusTransport } from '../../janus/amqpTransport.js';
import { JanusClient } from '../../janus/client.js';
import type { Bridge } from '../../launcher.js';
import { namespaceExists, namespacePids } from '../shared/networkNamespace.js';
import { SandboxLauncher } from './sandboxLauncher.js';

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

function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
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

  it('removes everything of a bridge when it closes: process, directory, namespace', async () => {
    const bridge = await launcher.launch({ id: newId(), apiSecret: 's' });
    const dir = path.join(baseDir, bridge.id);
    expect(existsSync(path.join(dir, 'janus.log'))).toBe(true);
    const pids = await namespacePids(`plenum-${bridge.id}`);
    await bridge.close();
    await bridge.close();
    expect(bridge.closed).toBe(true);
    expect(existsSync(dir), 'directory').toBe(false);
    expect(await namespaceExists(`plenum-${bridge.id}`), 'namespace').toBe(false);
    // Gone, or a zombie left for the machine's init to reap: nothing runs any more.
    for (const pid of pids) expect(running(pid), `pid ${pid}`).toBe(false);
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

  it('reports a crash through onExit, and close still cleans up', async () => {
    const bridge = await launcher.launch({ id: newId(), apiSecret: 's' });
    const exited = new Promise<string>((resolve) => bridge.onExit((code, signal) => resolve(`${String(code)}/${String(signal)}`)));
    for (const pid of await namespacePids(`plenum-${bridge.id}`)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone with its parent.
      }
    }
    expect(await exited).toBeTruthy();
    await bridge.close();
    expect(await namespaceExists(`plenum-${bridge.id}`)).toBe(false);
  });
});

describe('SandboxLauncher commanding bridges through RabbitMQ', () => {
  const amqpUrl = process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const brokerLauncher = new SandboxLauncher({ baseDir, brokerUrl: amqpUrl });
  afterAll(() => brokerLauncher.close());

  const users = () => execFileSync('rabbitmqctl', ['-q', 'list_users'], { encoding: 'utf8' });
  const queues = () => execFileSync('rabbitmqctl', ['-q', 'list_queues', 'name'], { encoding: 'utf8' });

  it('gives each bridge its own queue pair and broker account, and removes them with the bridge', async () => {
    const [a, b] = await Promise.all([
      brokerLauncher.launch({ id: newId(), apiSecret: 'secret-a' }),
      brokerLauncher.launch({ id: newId(), apiSecret: 'secret-b' }),
    ]);
    if (a.api.kind !== 'rabbitmq' || b.api.kind !== 'rabbitmq') throw new Error('expected the RabbitMQ API');
    const client = new JanusClient(await AmqpJanusTransport.connect(amqpUrl, a.api), { apiSecret: 'secret-a' });
    const handle = await (await client.createSession()).attach('janus.plugin.videoroom');
    expect(await handle.request({ request: 'create', room: 'only-on-a' })).toMatchObject({ videoroom: 'created' });
    const other = new JanusClient(await AmqpJanusTransport.connect(amqpUrl, b.api), { apiSecret: 'secret-b' });
    const otherHandle = await (await other.createSession()).attach('janus.plugin.videoroom');
    expect(await otherHandle.request({ request: 'exists', room: 'only-on-a' })).toMatchObject({ exists: false });
    await client.close();
    await other.close();

    expect(users()).toContain(`plenum-bridge-${a.id}`);
    await a.close();
    await b.close();
    expect(users()).not.toContain(`plenum-bridge-${a.id}`);
    expect(queues()).not.toContain(`plenum-bridge-${a.id}`);
    expect(queues()).not.toContain(`plenum-bridge-${b.id}`);
  });

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
