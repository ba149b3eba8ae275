import { readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { amqpVhost, deleteBridgeAccount } from '../shared/brokerAccess.js';
import { removeForwarding } from '../shared/mediaForwarding.js';
import type Docker from 'dockerode';
import { z } from 'zod';

/** Label on each bridge container and network: the bridge's id. */
export const bridgeLabel = 'org.plenum.bridge';
/** Label naming the controller process that launched it: `<host>/<pid>/<start time>`. */
export const ownerLabel = 'org.plenum.owner';

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), if it runs. */
async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** This process as an owner label names it (pids are reused; pid and start time are not). */
export async function ownerTag(): Promise<string> {
  return `${hostname()}/${String(process.pid)}/${(await processStartTime(process.pid)) ?? '0'}`;
}

/** True when the tag names a process on this host that no longer runs. Other hosts' are never judged. */
async function ownerIsGone(tag: string): Promise<boolean> {
  const [host, pid, startTime] = tag.split('/');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return false;
  return (await processStartTime(Number(pid))) !== startTime;
}

const Labelled = z.object({ Id: z.string(), Labels: z.record(z.string(), z.string()).nullish() });
const bridgeId = z.string().regex(/^[a-z0-9]{8,16}$/);

export interface SweepOptions {
  /** The launcher's directory of bridge directories: a swept bridge's `<baseDir>/<id>` goes too. */
  baseDir: string;
  /** With RabbitMQ: the swept bridge's account `plenum-bridge-<id>` is deleted (its queues auto-delete). */
  brokerUrl?: string;
}

/**
 * Removes what bridges launched by a controller process that died without closing them left
 * behind on this host: container, network, media forwarding rules, directory, broker account.
 * Returns their ids.
 */
export async function sweepOrphanedBridges(docker: Docker, options: SweepOptions): Promise<string[]> {
  const filters = JSON.stringify({ label: [bridgeLabel] });
  const containers: unknown[] = await docker.listContainers({ all: true, filters });
  const networks: unknown[] = await docker.listNetworks({ filters });
  const orphans = new Set<string>();
  for (const entry of [...containers, ...networks]) {
    const parsed = Labelled.safeParse(entry);
    const labels = parsed.success ? (parsed.data.Labels ?? {}) : {};
    const id = bridgeId.safeParse(labels[bridgeLabel]);
    const owner = labels[ownerLabel];
    if (id.success && owner && (await ownerIsGone(owner))) orphans.add(id.data);
  }
  for (const id of orphans) {
    const mine = JSON.stringify({ label: [`${bridgeLabel}=${id}`] });
    for (const container of await docker.listContainers({ all: true, filters: mine })) {
      await docker.getContainer(container.Id).remove({ force: true, v: true }).catch(() => undefined);
    }
    for (const network of await docker.listNetworks({ filters: mine })) {
      await docker.getNetwork(network.Id).remove().catch(() => undefined);
    }
    await rm(path.join(options.baseDir, id), { recursive: true, force: true });
    await removeForwarding(id);
    if (options.brokerUrl) await deleteBridgeAccount(id, amqpVhost(options.brokerUrl));
  }
  return [...orphans];
}
