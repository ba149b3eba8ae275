import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepStaleBridges } from './ownerRecords.js';
import { namespaceExists, namespaceNames, namespacePids } from './networkNamespace.js';
import { SandboxLauncher } from '../sandbox/sandboxLauncher.js';
import { spawnBridgeOwner } from '../../../test-support/launchers/ownerProcess.js';

const amqpUrl = process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const root = mkdtempSync(path.join(tmpdir(), 'plenum-sweep-'));
// Bridges run as users of their own: they must be able to pass through to their directories.
chmodSync(root, 0o711);
/** A record directory of this file's own: bridges of other test files running now stay out of it. */
const ownerDir = path.join(root, 'owners');
const baseDir = path.join(root, 'bridges');
/** Owner processes started here: killed at the end even if a test failed, and their bridges swept. */
const owners: ChildProcess[] = [];
/** Launchers of this process: closed at the end even if a test failed. */
const launchers: SandboxLauncher[] = [];
afterAll(async () => {
  await Promise.all(launchers.map((launcher) => launcher.close()));
  for (const child of owners) child.kill('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 200));
  await sweepStaleBridges(ownerDir);
  rmSync(root, { recursive: true, force: true });
});

const newId = () => randomBytes(5).toString('hex');
const hostInterfaceExists = (name: string) => execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).includes(` ${name}@`);
const rabbitUsers = () => execFileSync('rabbitmqctl', ['-q', 'list_users'], { encoding: 'utf8' });
const rabbitQueues = () => execFileSync('rabbitmqctl', ['-q', 'list_queues', 'name'], { encoding: 'utf8' });

/** Starts a process that launches one bridge (with RabbitMQ if `brokerUrl`) and returns once it runs. */
async function bridgeOwnerProcess(id: string, brokerUrl?: string) {
  const owner = await spawnBridgeOwner('sandbox', id, { BASE_DIR: baseDir, OWNER_DIR: ownerDir, BROKER_URL: brokerUrl ?? '' });
  owners.push(owner.child);
  return owner;
}

describe('sweeping bridges of dead controllers at launcher start-up', () => {
  it('removes the namespace, veth, directory, broker account and record of a bridge whose owner was killed, and nothing of a live one', { timeout: 120_000 }, async () => {
    const deadId = newId();
    const owner = await bridgeOwnerProcess(deadId, amqpUrl);
    const dead = namespaceNames(deadId);
    expect(await namespaceExists(dead.name)).toBe(true);
    expect(rabbitUsers()).toContain(`plenum-bridge-${deadId}`);

    // A bridge of a live owner (this process) in the same places.
    const liveLauncher = new SandboxLauncher({ baseDir, ownerDir });
    launchers.push(liveLauncher);
    const live = await liveLauncher.launch({ id: newId(), apiSecret: 'sweep-test-secret-live-000000' });
    const liveNames = namespaceNames(live.id);

    owner.child.kill('SIGKILL');
    await owner.exited;
    // Janus dies with its parent; what a launcher would have removed is still there.
    await expect.poll(() => namespacePids(dead.name), { timeout: 5000 }).toEqual([]);
    expect(await namespaceExists(dead.name)).toBe(true);
    expect(hostInterfaceExists(dead.hostInterface)).toBe(true);
    expect(existsSync(path.join(baseDir, deadId))).toBe(true);
    expect(readdirSync(ownerDir).sort()).toEqual([`${deadId}.json`, `${live.id}.json`].sort());
    expect(rabbitUsers()).toContain(`plenum-bridge-${deadId}`);
    // Its answer queue never had a consumer, so it is not auto-deleted.
    expect(rabbitQueues()).toContain(`plenum-bridge-${deadId}-from`);

    // A controller starting later sweeps at start-up.
    const restarted = new SandboxLauncher({ baseDir, ownerDir, brokerUrl: amqpUrl });
    launchers.push(restarted);
    expect(await restarted.swept).toEqual({ removed: [deadId], alive: [live.id], failed: [] });
    expect(await namespaceExists(dead.name)).toBe(false);
    expect(hostInterfaceExists(dead.hostInterface)).toBe(false);
    expect(existsSync(path.join(baseDir, deadId))).toBe(false);
    expect(readdirSync(ownerDir)).toEqual([`${live.id}.json`]);
    expect(rabbitUsers()).not.toContain(`plenum-bridge-${deadId}`);
    expect(rabbitQueues()).not.toContain(`plenum-bridge-${deadId}`);

    // The live bridge is untouched and still removes its own record when it stops.
    expect(await namespaceExists(liveNames.name)).toBe(true);
    expect(hostInterfaceExists(liveNames.hostInterface)).toBe(true);
    expect(existsSync(path.join(baseDir, live.id))).toBe(true);
    expect(live.closed).toBe(false);
    await liveLauncher.close();
    await restarted.close();
    expect(readdirSync(ownerDir)).toEqual([]);
  });

  it('trusts no unreadable or misnamed record, removes only a bridge\'s own directory, and finds nothing where nothing was recorded', async () => {
    const dir = path.join(root, 'odd-owners');
    expect(await sweepStaleBridges(dir)).toEqual({ removed: [], alive: [], failed: [] });
    rmSync(dir, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', dir]);
    // Half written (its owner killed mid-write) and misnamed: neither is trusted.
    writeFileSync(path.join(dir, 'aaaaaaaaaa.json'), '{"id": "aaaaaaaaaa", "pid"');
    writeFileSync(
      path.join(dir, 'bbbbbbbbbb.json'),
      JSON.stringify({ id: 'cccccccccc', pid: 1, startTime: '1', dir: '/', namespace: 'plenum-cccccccccc', hostInterface: 'plh-cccccccccc', brokerVhost: null }),
    );
    // A dead owner's record naming a directory that is not the bridge's own: the record goes, the directory stays.
    const keep = path.join(root, 'keep-me');
    execFileSync('mkdir', ['-p', keep]);
    writeFileSync(
      path.join(dir, 'dddddddddd.json'),
      JSON.stringify({ id: 'dddddddddd', pid: 2 ** 22 + 1, startTime: '1', dir: keep, namespace: 'plenum-dddddddddd', hostInterface: 'plh-dddddddddd', brokerVhost: null }),
    );
    expect(await sweepStaleBridges(dir)).toEqual({ removed: ['dddddddddd'], alive: [], failed: [] });
    expect(readdirSync(dir).sort()).toEqual(['aaaaaaaaaa.json', 'bbbbbbbbbb.json']);
    expect(existsSync(keep)).toBe(true);
  });
});
