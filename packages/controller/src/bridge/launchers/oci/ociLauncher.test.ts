import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpJanusTransport } from '../../janus/amqpTransport.js';
import { JanusClient } from '../../janus/client.js';
import { WebSocketJanusTransport } from '../../janus/websocketTransport.js';
import type { Bridge } from '../../launcher.js';
import { bridgeLabel, OciLauncher } from './ociLauncher.js';
import { ensureBridgeImage, useEngine, type EngineService } from '../../../test-support/launchers/containerEngine.js';
import { spawnBridgeOwner } from '../../../test-support/launchers/ownerProcess.js';

const image = process.env.PLENUM_TEST_OCI_IMAGE ?? 'plenum-janus:1.1.2';
const amqpUrl = process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const baseDir = mkdtempSync(path.join(tmpdir(), 'plenum-oci-bridges-'));
const newId = () => randomBytes(5).toString('hex');

let engine: EngineService;
let docker: Docker;
let launcher: OciLauncher;

beforeAll(async () => {
  engine = await useEngine(process.env.PLENUM_TEST_OCI_SOCKET);
  docker = new Docker({ socketPath: engine.socketPath });
  // Builds the image from Debian's packages when missing (about two minutes).
  await ensureBridgeImage(engine.socketPath, image);
  launcher = new OciLauncher({ socketPath: engine.socketPath, image, baseDir });
}, 600_000);

afterAll(async () => {
  await launcher.close();
  await engine.stop();
  rmSync(baseDir, { recursive: true, force: true });
});

async function janus(bridge: Bridge, secret: string): Promise<JanusClient> {
  if (bridge.api.kind === 'websocket') return new JanusClient(await WebSocketJanusTransport.connect(bridge.api.url), { apiSecret: secret });
  return new JanusClient(await AmqpJanusTransport.connect(amqpUrl, bridge.api), { apiSecret: secret });
}

async function videoroom(bridge: Bridge, secret: string, body: object): Promise<unknown> {
  const client = await janus(bridge, secret);
  try {
    const handle = await (await client.createSession()).attach('janus.plugin.videoroom');
    return await handle.request(body);
  } finally {
    await client.close();
  }
}

/** Containers and networks of one bridge, found by the label the launcher puts on them. */
async function engineObjects(id: string): Promise<{ containers: number; networks: number }> {
  const filters = JSON.stringify({ label: [`${bridgeLabel}=${id}`] });
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  return { containers: containers.length, networks: networks.length };
}

async function containerOf(bridge: Bridge): Promise<Docker.Container> {
  const [info] = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${bridgeLabel}=${bridge.id}`] }) });
  if (!info) throw new Error(`no container for ${bridge.id}`);
  return docker.getContainer(info.Id);
}

/** Runs `bash -c script` inside the bridge's container; exit code and output. */
async function execIn(container: Docker.Container, script: string): Promise<{ exitCode: number | null; output: string }> {
  const exec = await container.exec({ Cmd: ['bash', '-c', script], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.on('end', resolve));
  return { exitCode: (await exec.inspect()).ExitCode, output: Buffer.concat(chunks).toString() };
}

describe('OciLauncher', () => {
  it('starts each conference its own container on its own network, isolated from the other', async () => {
    const [a, b] = await Promise.all([launcher.launch({ id: newId(), apiSecret: 'secret-a' }), launcher.launch({ id: newId(), apiSecret: 'secret-b' })]);
    expect(a.mediaAddress).not.toBe(b.mediaAddress);
    expect(a.mediaAddress).toMatch(/^198\.1[89]\./);
    expect(await engineObjects(a.id)).toEqual({ containers: 1, networks: 1 });

    // The Janus API answers; a room made on one bridge does not exist on the other.
    expect(await videoroom(a, 'secret-a', { request: 'create', room: 'conference' })).toMatchObject({ videoroom: 'created' });
    expect(await videoroom(a, 'secret-a', { request: 'exists', room: 'conference' })).toMatchObject({ exists: true });
    expect(await videoroom(b, 'secret-b', { request: 'exists', room: 'conference' })).toMatchObject({ exists: false });
    // Each bridge has its own secret.
    await expect(videoroom(a, 'secret-b', { request: 'exists', room: 'conference' })).rejects.toThrow(/Unauthorized|403/i);

    // From inside one container the other's address is unreachable; its own API answers.
    const inA = await containerOf(a);
    const port = new URL(a.api.kind === 'websocket' ? a.api.url : 'ws://x:8188').port;
    expect(await execIn(inA, `echo > /dev/tcp/${a.mediaAddress}/${port}`)).toMatchObject({ exitCode: 0 });
    const reachB = await execIn(inA, `echo > /dev/tcp/${b.mediaAddress}/${port}`);
    expect(reachB.exitCode).not.toBe(0);
    expect(reachB.output).toMatch(/unreachable/i);

    await Promise.all([a.close(), b.close()]);
  });

  it('runs Janus as a non-root user without capabilities, on a read-only root, with limits', async () => {
    const bridge = await launcher.launch({ id: newId(), apiSecret: 's' });
    const info = await (await containerOf(bridge)).inspect();
    // PID 1 of the container is Janus itself (the start gate execs it).
    const pid = info.State.Pid;
    expect(readFileSync(`/proc/${String(pid)}/comm`, 'utf8').trim()).toBe('janus');
    const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\s+3\d{5}\s/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^CapBnd:\s+0+$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    const rootMount = readFileSync(`/proc/${String(pid)}/mountinfo`, 'utf8')
      .split('\n')
      .find((line) => line.split(' ')[4] === '/');
    expect(rootMount?.split(' ')[5]).toMatch(/^ro\b/);
    expect(readFileSync(`/proc/${String(pid)}/limits`, 'utf8')).toMatch(/^Max core file size\s+0\s+0/m);
    expect(info.HostConfig.Memory).toBeGreaterThan(0);
    expect(info.HostConfig.PidsLimit).toBeGreaterThan(0);
    // Writing anywhere but the tmpfs fails.
    const container = await containerOf(bridge);
    expect((await execIn(container, 'touch /etc/x')).output).toMatch(/Read-only file system/);
    expect((await execIn(container, `touch ${path.join(baseDir, bridge.id, 'x')}`)).output).toMatch(/Read-only file system/);
    await bridge.close();
  });

  it('removes the container, its network and its directory on close', async () => {
    const bridge = await launcher.launch({ id: newId(), apiSecret: 's' });
    const dir = path.join(baseDir, bridge.id);
    expect(existsSync(path.join(dir, 'janus.jcfg'))).toBe(true);
    const gatewayUp = () => execFileSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' }).includes(` ${bridge.mediaAddress.replace(/\d+$/, (n) => String(Number(n) - 1))}/30 `);
    expect(gatewayUp()).toBe(true);
    await Promise.all([bridge.close(), bridge.close()]);
    expect(bridge.closed).toBe(true);
    expect(await engineObjects(bridge.id)).toEqual({ containers: 0, networks: 0 });
    expect(existsSync(dir)).toBe(false);
    expect(gatewayUp()).toBe(false);
  });

  it('reports a crash (container killed) through onExit, and close still cleans up', async () => {
    const bridge = await launcher.launch({ id: newId(), apiSecret: 's' });
    const exited = new Promise<string>((resolve) => bridge.onExit((code, signal) => resolve(`${String(code)}/${String(signal)}`)));
    await (await containerOf(bridge)).kill({ signal: 'SIGKILL' });
    expect(await exited).toBe('null/SIGKILL');
    await bridge.close();
    expect(await engineObjects(bridge.id)).toEqual({ containers: 0, networks: 0 });
  });

  it('explains a missing image', async () => {
    const missing = new OciLauncher({ socketPath: engine.socketPath, image: 'plenum-no-such-image:0', baseDir });
    await expect(missing.launch({ id: newId(), apiSecret: 's' })).rejects.toThrow(/has no image plenum-no-such-image:0: build it with/);
  });

  it('removes the bridges of a controller that died without closing them, and leaves live ones alone', async () => {
    const live = await launcher.launch({ id: newId(), apiSecret: 's' });
    const deadId = newId();
    const owner = await spawnBridgeOwner('oci', deadId, { SOCKET: engine.socketPath, IMAGE: image, BASE_DIR: baseDir });
    await owner.kill();
    // The killed controller's bridge is still there: nothing ties a container to its launcher.
    expect(await engineObjects(deadId)).toEqual({ containers: 1, networks: 1 });
    expect(existsSync(path.join(baseDir, deadId))).toBe(true);

    const warnings: string[] = [];
    const restarted = new OciLauncher({ socketPath: engine.socketPath, image, baseDir, warn: (message) => warnings.push(message) });
    await restarted.sweep();
    expect(await engineObjects(deadId)).toEqual({ containers: 0, networks: 0 });
    expect(existsSync(path.join(baseDir, deadId))).toBe(false);
    expect(warnings.join('\n')).toContain(deadId);
    // This process is alive: its bridge stays and still answers.
    expect(await engineObjects(live.id)).toEqual({ containers: 1, networks: 1 });
    expect(await videoroom(live, 's', { request: 'exists', room: 'x' })).toMatchObject({ exists: false });
    await live.close();
  }, 120_000);

  it('explains an engine that is not there', async () => {
    const nowhere = new OciLauncher({ socketPath: path.join(baseDir, 'no-engine.sock'), image, baseDir, warn: () => undefined });
    await expect(nowhere.launch({ id: newId(), apiSecret: 's' })).rejects.toThrow(/no container engine answers on .*no-engine\.sock/);
  });
});

describe('OciLauncher commanding bridges through RabbitMQ', () => {
  let brokerLauncher: OciLauncher;
  beforeAll(() => {
    brokerLauncher = new OciLauncher({ socketPath: engine.socketPath, image, baseDir, brokerUrl: amqpUrl });
  });
  afterAll(() => brokerLauncher.close());

  const users = () => execFileSync('rabbitmqctl', ['-q', 'list_users'], { encoding: 'utf8' });
  const queues = () => execFileSync('rabbitmqctl', ['-q', 'list_queues', 'name'], { encoding: 'utf8' });

  it('gives each container its own queue pair and broker account, and removes them with it', async () => {
    const [a, b] = await Promise.all([brokerLauncher.launch({ id: newId(), apiSecret: 'secret-a' }), brokerLauncher.launch({ id: newId(), apiSecret: 'secret-b' })]);
    expect(a.api.kind).toBe('rabbitmq');
    expect(await videoroom(a, 'secret-a', { request: 'create', room: 'only-on-a' })).toMatchObject({ videoroom: 'created' });
    expect(await videoroom(b, 'secret-b', { request: 'exists', room: 'only-on-a' })).toMatchObject({ exists: false });
    expect(users()).toContain(`plenum-bridge-${a.id}`);
    expect(queues()).toContain(`plenum-bridge-${a.id}-to`);

    await Promise.all([a.close(), b.close()]);
    for (const bridge of [a, b]) {
      expect(users()).not.toContain(`plenum-bridge-${bridge.id}`);
      expect(queues()).not.toContain(`plenum-bridge-${bridge.id}`);
      expect(await engineObjects(bridge.id)).toEqual({ containers: 0, networks: 0 });
    }
    // rabbitmqctl takes seconds per call on a busy machine; this test makes a dozen calls.
  }, 120_000);
});
