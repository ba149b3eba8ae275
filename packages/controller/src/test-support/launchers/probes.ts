import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { amqpVhost, bridgeAccountNames, deleteBridgeAccount } from '../../bridge/launchers/shared/brokerAccess.js';
import type { MediaAddress } from '../../bridge/launchers/shared/mediaAddress.js';

/** Looks for what a bridge left on this machine, for the launcher contract and its harnesses. */

const run = promisify(execFile);

/** The RabbitMQ the tests use (PLENUM_TEST_AMQP_URL, default the local one as guest). */
export const testAmqpUrl = process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * A public media address for launchers that forward media (sandbox, oci): an address of
 * 198.18.0.0/15 that no interface holds and no launcher hands out (they take /30s from its
 * start), so the forwarding rules tagged with a bridge exist but never match real traffic.
 */
export const testMediaAddress: MediaAddress = { advertised: '198.19.255.254', local: '198.19.255.254', source: 'configured' };

/** The paths that exist. */
export function existingPaths(...paths: string[]): string[] {
  return paths.filter((file) => existsSync(file));
}

/**
 * Processes (zombies aside) whose command line names `dir` or a path below it: Janus
 * (`-F <dir>`), and whatever wraps it (bubblewrap binds it, a container's start gate names it).
 */
export function processesNaming(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!args.some((arg) => arg === dir || arg.startsWith(`${dir}/`))) continue;
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'))) continue;
      found.push(`${entry} ${path.basename(args[0] ?? '?')}`);
    } catch {
      // Gone while looking.
    }
  }
  return found;
}

/** The pid of the process named `name` (its /proc comm) among `pids`, if one runs. */
export function processNamed(pids: readonly number[], name: string): number | undefined {
  return pids.find((pid) => {
    try {
      return readFileSync(`/proc/${String(pid)}/comm`, 'utf8').trim() === name;
    } catch {
      return false;
    }
  });
}

/** iptables rules (nat and filter) carrying the bridge's tag `plenum:<id>`, as `iptables -S` prints them. */
export async function forwardingRulesOf(id: string): Promise<string[]> {
  const rules: string[] = [];
  for (const table of ['nat', 'filter']) {
    const { stdout } = await run('iptables', ['-w', '5', '-t', table, '-S'], { timeout: 10_000 });
    for (const line of stdout.split('\n')) if (/--comment "?plenum:/.test(line) && line.includes(`plenum:${id}`)) rules.push(`${table} ${line}`);
  }
  return rules;
}

/** The network namespaces among `names` that exist. */
export async function existingNamespaces(...names: string[]): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list'], { timeout: 5000 });
  const present = new Set(stdout.split('\n').map((line) => line.split(' ')[0]));
  return names.filter((name) => present.has(name));
}

/** The network interfaces of this namespace among `names` that exist. */
export async function existingLinks(...names: string[]): Promise<string[]> {
  const { stdout } = await run('ip', ['-o', 'link', 'show'], { timeout: 5000 });
  const present = new Set([...stdout.matchAll(/^\d+:\s+([^:@\s]+)/gm)].map((match) => match[1]));
  return names.filter((name) => present.has(name));
}

/** The IPv4 addresses among `addresses` that an interface of this namespace holds. */
export async function heldAddresses(...addresses: string[]): Promise<string[]> {
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show'], { timeout: 5000 });
  const held = new Set([...stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((match) => match[1]));
  return addresses.filter((address) => held.has(address));
}

/** RabbitMQ accounts among `usernames` that exist (one `rabbitmqctl list_users`: about a second). */
async function existingUsers(usernames: readonly string[]): Promise<string[]> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_users'], { timeout: 30_000 });
  const present = new Set(stdout.split('\n').map((line) => line.split('\t')[0]));
  return usernames.filter((username) => present.has(username));
}

/** Queues among `queues` that exist on the broker (passive declares, one channel each). */
async function existingQueues(amqpUrl: string, queues: readonly string[]): Promise<string[]> {
  const connection = await amqp.connect(amqpUrl);
  try {
    const found: string[] = [];
    for (const queue of queues) {
      // A missing queue closes the channel: one channel per check.
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      if (await channel.checkQueue(queue).then(() => true, () => false)) found.push(queue);
      await channel.close().catch(() => undefined);
    }
    return found;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** The bridge's RabbitMQ account `plenum-bridge-<id>` and its two queues, those that exist. */
export async function brokerLeftovers(amqpUrl: string, id: string): Promise<Record<'broker account' | 'broker queues', string[]>> {
  const { username, toJanus, fromJanus } = bridgeAccountNames(id);
  const [account, queues] = await Promise.all([existingUsers([username]), existingQueues(amqpUrl, [toJanus, fromJanus])]);
  return { 'broker account': account, 'broker queues': queues };
}

/** Deletes whatever broker account or queue of these bridges still exists (after a failed test). */
export async function removeBrokerLeftovers(amqpUrl: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const vhost = amqpVhost(amqpUrl);
  const users = new Set(await existingUsers(ids.map((id) => bridgeAccountNames(id).username)));
  const queues = new Set(await existingQueues(amqpUrl, ids.flatMap((id) => [bridgeAccountNames(id).toJanus, bridgeAccountNames(id).fromJanus])));
  for (const id of ids) {
    const names = bridgeAccountNames(id);
    if (users.has(names.username) || queues.has(names.toJanus) || queues.has(names.fromJanus)) await deleteBridgeAccount(id, vhost);
  }
}
