import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A network namespace joined to the host by a veth pair: the bridge gets its own address. */
export interface NamespaceNetwork {
  /** Namespace name, `plenum-<id>`. */
  name: string;
  hostInterface: string;
  hostAddress: string;
  /** The bridge's address inside the namespace; browsers on the host reach it directly. */
  address: string;
}

/** Addresses come from 198.18.0.0/15 (reserved for benchmarking), one /30 per bridge. */
export function addressesFor(slot: number): { host: string; bridge: string } {
  if (!Number.isInteger(slot) || slot < 0 || slot >= 32_768) throw new RangeError(`no address slot ${slot}`);
  const base = slot * 4;
  const octets = (offset: number) => {
    const value = base + offset;
    return `198.${18 + Math.floor(value / 65_536)}.${Math.floor(value / 256) % 256}.${value % 256}`;
  };
  return { host: octets(1), bridge: octets(2) };
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args, { timeout: 5000 });
}

/** Names of a bridge's namespace and veth ends (interface names are limited to 15 bytes). */
export function namespaceNames(id: string): { name: string; hostInterface: string; innerInterface: string } {
  const short = id.slice(0, 10);
  return { name: `plenum-${id}`, hostInterface: `plh-${short}`, innerInterface: `pln-${short}` };
}

/**
 * Creates the namespace `plenum-<id>` with loopback up and a veth pair to the host. With
 * `routed`, the host is its default gateway, so media can reach browsers on other networks
 * (the host forwards only the bridge's media ports: see `mediaForwarding.ts`).
 */
export async function createNamespace(id: string, slot: number, { routed = false } = {}): Promise<NamespaceNetwork> {
  const { name, hostInterface, innerInterface } = namespaceNames(id);
  const { host, bridge } = addressesFor(slot);
  try {
    await ip('netns', 'add', name);
    await ip('link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', innerInterface);
    await ip('link', 'set', innerInterface, 'netns', name);
    await ip('addr', 'add', `${host}/30`, 'dev', hostInterface);
    await ip('link', 'set', hostInterface, 'up');
    await ip('netns', 'exec', name, 'ip', 'addr', 'add', `${bridge}/30`, 'dev', innerInterface);
    await ip('netns', 'exec', name, 'ip', 'link', 'set', innerInterface, 'up');
    await ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    if (routed) await ip('netns', 'exec', name, 'ip', 'route', 'add', 'default', 'via', host);
  } catch (error) {
    await deleteNamespace({ name, hostInterface, hostAddress: host, address: bridge });
    throw error;
  }
  return { name, hostInterface, hostAddress: host, address: bridge };
}

/** Deletes the namespace; the veth pair goes with it. Idempotent. */
export async function deleteNamespace(network: NamespaceNetwork): Promise<void> {
  await ip('link', 'del', network.hostInterface).catch(() => undefined);
  await ip('netns', 'del', network.name).catch(() => undefined);
}

export async function namespaceExists(name: string): Promise<boolean> {
  const { stdout } = await run('ip', ['netns', 'list'], { timeout: 5000 });
  return stdout.split('\n').some((line) => line.split(' ')[0] === name);
}

/** IPv4 addresses currently configured on the host's interfaces. */
export async function hostAddresses(): Promise<Set<string>> {
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show'], { timeout: 5000 });
  return new Set([...stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((match) => match[1] ?? ''));
}

/** The host interface that holds `address`, if any. */
export async function interfaceWithAddress(address: string): Promise<string | undefined> {
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show'], { timeout: 5000 });
  for (const line of stdout.split('\n')) {
    const match = /^\d+:\s+(\S+)\s+inet (\d+\.\d+\.\d+\.\d+)\//.exec(line);
    if (match?.[2] === address) return match[1];
  }
  return undefined;
}

/** Process IDs running inside the namespace. */
export async function namespacePids(name: string): Promise<number[]> {
  const { stdout } = await run('ip', ['netns', 'pids', name], { timeout: 5000 }).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter((line) => line.trim() !== '').map(Number);
}

/**
 * Kills whatever still runs in the namespace (SIGTERM first, then SIGKILL) and waits until it
 * is gone: bubblewrap's exit does not wait for what runs inside, and a namespace must be empty
 * before it is deleted.
 */
export async function drainNamespace(name: string, options: { gentle?: boolean } = {}): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const pids = await namespacePids(name);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, attempt === 0 && options.gentle !== false ? 'SIGTERM' : 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}
