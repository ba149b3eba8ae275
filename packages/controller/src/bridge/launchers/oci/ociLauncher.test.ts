import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JanusClient } from '../../janus/client.js';
import { WebSocketJanusTransport } from '../../janus/websocketTransport.js';
import type { Bridge } from '../../launcher.js';
import { bridgeLabel, OciLauncher } from './ociLauncher.js';
import { ensureBridgeImage, useEngine, type EngineService } from '../../../test-support/launchers/containerEngine.js';

// What every launcher does (Janus answers, crashes reported, close and sweep remove
// everything, RabbitMQ accounts) is ociLauncher.contract.test.ts, on podman and Docker; here:
// the containers' isolation and security options, and the engine's errors explained.

const image = process.env.PLENUM_TEST_OCI_IMAGE ?? 'plenum-janus:1.1.2';
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
  if (bridge.api.kind !== 'websocket') throw new Error('expected the WebSocket API');
  return new JanusClient(await WebSocketJanusTransport.connect(bridge.api.url), { apiSecret: secret });
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

  it('explains a missing image', async () => {
    const missing = new OciLauncher({ socketPath: engine.socketPath, image: 'plenum-no-such-image:0', baseDir });
    await expect(missing.launch({ id: newId(), apiSecret: 's' })).rejects.toThrow(/has no image plenum-no-such-image:0: build it with/);
  });

  it('explains an engine that is not there', async () => {
    const nowhere = new OciLauncher({ socketPath: path.join(baseDir, 'no-engine.sock'), image, baseDir, warn: () => undefined });
    await expect(nowhere.launch({ id: newId(), apiSecret: 's' })).rejects.toThrow(/no container engine answers on .*no-engine\.sock/);
  });
});
