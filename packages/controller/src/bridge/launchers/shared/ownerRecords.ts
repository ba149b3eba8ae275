import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { deleteBridgeAccount } from './brokerAccess.js';
import { makePrivateDir } from '../../../privateDir.js';
import { removeForwarding } from './mediaForwarding.js';
import { deleteNamespace, drainNamespace } from './networkNamespace.js';

/** Where sandbox and host launchers record which process owns each bridge; root's, on tmpfs. */
export const defaultOwnerDir = '/run/plenum/bridge-owners';

const bridgeId = z.string().regex(/^[a-z0-9]{8,16}$/);

/**
 * What a launcher leaves behind about one bridge while it runs: enough to remove the bridge
 * if the launching process dies without doing so (SIGKILL, power cut of the process).
 */
export const OwnerRecord = z.strictObject({
  id: bridgeId,
  /** The launching process and its start time (pids are reused; the pair is not). */
  pid: z.number().int().positive(),
  startTime: z.string().regex(/^\d+$/),
  /** The bridge's working directory. */
  dir: z.string().refine((dir) => path.isAbsolute(dir), 'must be absolute'),
  /** Its network namespace and the host end of its veth; null: it has none (`host` launcher). */
  namespace: z.string().regex(/^plenum-[a-z0-9]{8,16}$/).nullable(),
  hostInterface: z.string().regex(/^plh-[a-z0-9]{1,10}$/).nullable(),
  /** The virtual host of its RabbitMQ account and queues; null: it has none. */
  brokerVhost: z.string().min(1).max(255).nullable(),
});
export type OwnerRecord = z.infer<typeof OwnerRecord>;

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), if it runs. */
async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** This process, as an owner record names it. */
export async function currentOwner(): Promise<{ pid: number; startTime: string }> {
  const startTime = await processStartTime(process.pid);
  if (startTime === undefined) throw new Error('cannot read this process start time from /proc');
  return { pid: process.pid, startTime };
}

/** Records that this process owns the bridge; returns the function that removes the record. */
export async function recordOwner(ownerDir: string, record: Omit<OwnerRecord, 'pid' | 'startTime'>): Promise<() => Promise<void>> {
  await makePrivateDir(ownerDir);
  const file = path.join(ownerDir, `${record.id}.json`);
  const full: OwnerRecord = { ...record, ...(await currentOwner()) };
  await writeFile(file, JSON.stringify(full), { mode: 0o600 });
  return () => rm(file, { force: true });
}

/** What a sweep found. */
export interface SweepResult {
  /** Bridges of dead owners, removed. */
  removed: string[];
  /** Bridges whose owner still runs, left alone. */
  alive: string[];
  /** Bridges of dead owners that could not be removed (the record stays for the next sweep). */
  failed: { id: string; error: string }[];
}

/**
 * Removes what bridges of dead launching processes left behind: whatever still runs in the
 * namespace, the namespace with its veth pair (sandbox), its media forwarding rules, the working directory, the RabbitMQ account
 * and its queues (the answer queue outlives a bridge that never had a consumer), and finally
 * the record. Bridges whose owner runs, and anything without a record, are left alone:
 * other controllers and test processes on the same machine run bridges of their own.
 */
export async function sweepStaleBridges(ownerDir: string): Promise<SweepResult> {
  // Never rejects: what could not be removed is reported in `failed`.
  const result: SweepResult = { removed: [], alive: [], failed: [] };
  let files: string[];
  try {
    files = (await readdir(ownerDir)).filter((name) => name.endsWith('.json'));
  } catch {
    return result; // No records: nothing was ever launched here.
  }
  for (const name of files) {
    const file = path.join(ownerDir, name);
    const record = OwnerRecord.safeParse(await readFile(file, 'utf8').then(parseJson, () => undefined));
    if (!record.success || `${record.data.id}.json` !== name) {
      // Half-written by an owner killed mid-write, or not ours: only a live writer could finish it.
      continue;
    }
    const { data } = record;
    if ((await processStartTime(data.pid)) === data.startTime) {
      result.alive.push(data.id);
      continue;
    }
    try {
      await removeStaleBridge(data);
      await rm(file, { force: true });
      result.removed.push(data.id);
    } catch (error) {
      result.failed.push({ id: data.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}

async function removeStaleBridge(record: OwnerRecord): Promise<void> {
  if (record.namespace !== null && record.hostInterface !== null) await removeNamespace(record.namespace, record.hostInterface);
  await removeForwarding(record.id);
  // The record names the bridge's own directory, `<base>/<id>`: never anything else.
  if (path.basename(record.dir) === record.id) await rm(record.dir, { recursive: true, force: true });
  if (record.brokerVhost !== null) await deleteBridgeAccount(record.id, record.brokerVhost);
}

async function removeNamespace(namespace: string, hostInterface: string): Promise<void> {
  // With --die-with-parent Janus went with its owner; anything else still in there goes now.
  await drainNamespace(namespace, { gentle: false });
  await deleteNamespace({ name: namespace, hostInterface, hostAddress: '', address: '' });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
