import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IPod, ISecret } from 'kubernetes-models/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/freePort.js';
import { createBridgeAccount, waitForConsumer, type BridgeBrokerAccount } from '../shared/brokerAccess.js';
import { AmqpJanusTransport } from '../../janus/amqpTransport.js';
import { JanusClient } from '../../janus/client.js';
import type { JanusTransport } from '../../janus/transport.js';
import { WebSocketJanusTransport } from '../../janus/websocketTransport.js';
import { bridgePod, bridgeSecret, type BridgeObjectsSpec } from './objects.js';

/**
 * No cluster runs here. What can be run is the Pod's own container command, with its Secret's
 * files, as a kubelet would: the volumes mounted where the Pod says (Secret read-only with
 * its mode and fsGroup, emptyDirs as tmpfs), a read-only root, the Pod's user, its env with
 * the downward API resolved to loopback, no capabilities. bubblewrap stands in for the
 * container runtime; the host's Janus stands in for the image's (the same Debian package).
 */
const amqpUrl = 'amqp://guest:guest@127.0.0.1:5672';
const started: { child: ChildProcess; dir: string }[] = [];
const accounts: BridgeBrokerAccount[] = [];

afterEach(async () => {
  for (const { child, dir } of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
  for (const account of accounts.splice(0)) await account.remove();
});

function runPodHere(pod: IPod, secret: ISecret): { child: ChildProcess; output: () => string } {
  const spec = pod.spec!;
  const container = spec.containers[0]!;
  const uid = String(container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser);
  const gid = String(container.securityContext?.runAsGroup ?? spec.securityContext?.runAsGroup);
  const fsGroup = spec.securityContext?.fsGroup;
  expect(uid).not.toBe('0');
  const dir = mkdtempSync(path.join(tmpdir(), 'plenum-k8s-pod-'));
  chmodSync(dir, 0o755);
  const mounts: string[] = ['--tmpfs', '/run'];
  for (const mount of container.volumeMounts ?? []) {
    const volume = spec.volumes?.find((candidate) => candidate.name === mount.name);
    if (volume?.emptyDir) {
      mounts.push('--tmpfs', mount.mountPath);
    } else if (volume?.secret) {
      expect(volume.secret.secretName).toBe(secret.metadata?.name);
      const secretDir = path.join(dir, mount.name);
      mkdirSync(secretDir, { mode: 0o755 });
      for (const [name, value] of Object.entries(secret.data ?? {})) {
        const file = path.join(secretDir, name);
        writeFileSync(file, Buffer.from(value, 'base64'));
        chmodSync(file, volume.secret.defaultMode ?? 0o644);
        if (fsGroup !== undefined) chownSync(file, 0, fsGroup);
      }
      mounts.push(mount.readOnly ? '--ro-bind' : '--bind', secretDir, mount.mountPath);
    } else {
      throw new Error(`volume ${mount.name} of a kind this test cannot mount`);
    }
  }
  const env: string[] = [];
  for (const variable of container.env ?? []) {
    const field = variable.valueFrom?.fieldRef?.fieldPath;
    const value = variable.value ?? (field === 'status.podIP' || field === 'status.hostIP' ? '127.0.0.1' : undefined);
    if (value === undefined) throw new Error(`env ${variable.name} of a kind this test cannot resolve`);
    env.push('--setenv', variable.name, value);
  }
  expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
  const child = spawn(
    'setpriv',
    [
      `--reuid=${uid}`, `--regid=${gid}`, `--groups=${String(fsGroup ?? gid)}`, '--inh-caps=-all', '--bounding-set=-all',
      'bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', ...mounts, '--clearenv', '--setenv', 'PATH', '/usr/sbin:/usr/bin:/sbin:/bin', ...env,
      '--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--cap-drop', 'ALL', '--die-with-parent', '--new-session',
      ...container.command!, ...(container.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  started.push({ child, dir });
  return { child, output: () => output };
}

async function connectWithin<T>(ms: number, connect: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await connect();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Proves the bridge answers with its secret: a session, the videoroom plugin attached. */
async function attachVideoroom(transport: JanusTransport, apiSecret: string): Promise<void> {
  const client = new JanusClient(transport, { apiSecret, requestTimeoutMs: 5000 });
  try {
    const session = await client.createSession();
    await session.attach('janus.plugin.videoroom');
  } finally {
    await client.close();
  }
}

const resources = { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } };
const newId = () => randomBytes(5).toString('hex');

describe('the bridge Pod\'s command with its Secret (run here, without a cluster)', () => {
  it('starts Janus with the WebSocket API, which serves only with the API secret', async () => {
    const port = await freePort();
    const spec: BridgeObjectsSpec = {
      id: newId(),
      launcherId: 'test',
      namespace: 'plenum',
      image: 'unused-here',
      apiSecret: randomBytes(12).toString('hex'),
      rtpPorts: [30000, 30009],
      resources,
      api: { kind: 'websocket', port, controllers: { namespace: 'plenum', podLabels: { app: 'plenum' } } },
    };
    const run = runPodHere(bridgePod(spec), bridgeSecret(spec));
    const url = `ws://127.0.0.1:${port}`;
    try {
      await attachVideoroom(await connectWithin(10_000, () => WebSocketJanusTransport.connect(url)), spec.apiSecret);
    } catch (error) {
      throw new Error(`janus did not serve: ${run.output()}`, { cause: error });
    }
    await expect(attachVideoroom(await WebSocketJanusTransport.connect(url), 'wrong-secret')).rejects.toThrow();
    expect(run.child.exitCode).toBeNull();
  });

  it('starts Janus consuming its own queue with its own broker account', async () => {
    const id = newId();
    const account = await createBridgeAccount(id, amqpUrl);
    accounts.push(account);
    const spec: BridgeObjectsSpec = {
      id,
      launcherId: 'test',
      namespace: 'plenum',
      image: 'unused-here',
      apiSecret: randomBytes(12).toString('hex'),
      rtpPorts: [30010, 30019],
      resources,
      api: { kind: 'rabbitmq', host: '127.0.0.1', port: 5672, peer: { cidr: '127.0.0.1/32' }, account },
    };
    const run = runPodHere(bridgePod(spec), bridgeSecret(spec));
    try {
      await waitForConsumer(amqpUrl, account.toJanus, 10_000, () => run.child.exitCode !== null);
    } catch (error) {
      throw new Error(`janus did not consume its queue: ${run.output()}`, { cause: error });
    }
    await attachVideoroom(await AmqpJanusTransport.connect(amqpUrl, { toJanus: account.toJanus, fromJanus: account.fromJanus }), spec.apiSecret);
  }, 90_000);
});
