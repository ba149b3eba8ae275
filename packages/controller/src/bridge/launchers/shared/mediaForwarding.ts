import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { BridgeLaunchError } from '../../launcher.js';

const run = promisify(execFile);

/** What one bridge's media forwarding connects: the host's address and the bridge's port slice, to the bridge. */
export interface ForwardingSpec {
  /** Bridge id; every rule carries the comment `plenum:<id>` so a sweep finds it. */
  id: string;
  /**
   * The host's address media arrives at: the public address itself, or the machine's own
   * address behind a 1:1 NAT (a cloud's floating IP) that forwards the public one to it.
   */
  hostAddress: string;
  /** Where the bridge's Janus listens (namespace or container address). */
  bridgeAddress: string;
  /** The bridge's own UDP port slice; ports are kept, as `nat_1_1_mapping` requires. */
  ports: [number, number];
  /** Host side of the bridge's link (veth); other traffic from it is not forwarded. */
  hostInterface?: string;
}

/** One rule: table, chain, and its match and target (without `-A`/`-D`). */
type Rule = [table: 'nat' | 'filter', chain: string, ...spec: string[]];

const tag = (id: string) => `plenum:${id}`;

/**
 * The rules of a 1:1 NAT for one bridge's port slice: in from the public address (also from
 * this host itself, e.g. the TURN relay: local traffic skips PREROUTING), out as the public
 * address, forwarded only for those ports.
 */
export function forwardingRules(spec: ForwardingSpec): Rule[] {
  const ports = `${spec.ports[0]}:${spec.ports[1]}`;
  const comment = ['-m', 'comment', '--comment', tag(spec.id)];
  const toBridge = ['-d', spec.hostAddress, '-p', 'udp', '--dport', ports, ...comment, '-j', 'DNAT', '--to-destination', spec.bridgeAddress];
  const fromBridge = ['-s', spec.bridgeAddress, '-p', 'udp', '--sport', ports, ...comment, '-j', 'SNAT', '--to-source', spec.hostAddress];
  const rules: Rule[] = [
    ['nat', 'PREROUTING', ...toBridge],
    ['nat', 'OUTPUT', ...toBridge],
    ['nat', 'POSTROUTING', ...fromBridge],
    ['nat', 'INPUT', ...fromBridge],
  ];
  if (spec.hostInterface) {
    // Inserted at the top, in this order, so they come before a DROP policy's other rules.
    rules.push(['filter', 'FORWARD', '-i', spec.hostInterface, ...comment, '-j', 'DROP']);
    rules.push(['filter', 'FORWARD', '-i', spec.hostInterface, '-s', spec.bridgeAddress, '-p', 'udp', '--sport', ports, ...comment, '-j', 'ACCEPT']);
  }
  rules.push(['filter', 'FORWARD', '-d', spec.bridgeAddress, '-p', 'udp', '--dport', ports, ...comment, '-j', 'ACCEPT']);
  return rules;
}

async function iptables(args: string[]): Promise<string> {
  // -w: wait for the xtables lock; other controllers and podman change rules too.
  const { stdout } = await run('iptables', ['-w', '5', ...args], { timeout: 10_000 });
  return stdout;
}

/** Turns on IPv4 forwarding, which media from other networks to a bridge needs; says whether it changed. */
export async function enableForwarding(): Promise<boolean> {
  const file = '/proc/sys/net/ipv4/ip_forward';
  if ((await readFile(file, 'utf8')).trim() === '1') return false;
  await writeFile(file, '1\n');
  return true;
}

/** Removes every rule tagged for bridge `id` from the tables this module writes. Idempotent. */
export async function removeForwarding(id: string): Promise<void> {
  for (const table of ['nat', 'filter'] as const) {
    const listing = await iptables(['-t', table, '-S']).catch(() => '');
    for (const line of listing.split('\n')) {
      // `-S` prints rules as `-A CHAIN ...`: the same words after `-D` delete exactly that rule.
      if (!line.startsWith('-A ') || !line.includes(`--comment ${tag(id)}`) && !line.includes(`--comment "${tag(id)}"`)) continue;
      const words = line.slice(3).replaceAll('"', '').split(' ');
      await iptables(['-t', table, '-D', ...words]).catch(() => undefined);
    }
  }
}

/** Ids of bridges that have forwarding rules on this host. */
export async function forwardedBridges(): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const table of ['nat', 'filter'] as const) {
    const listing = await iptables(['-t', table, '-S']).catch(() => '');
    for (const match of listing.matchAll(/--comment "?plenum:([a-z0-9]{8,16})"?/g)) ids.add(match[1] ?? '');
  }
  return ids;
}

/**
 * Forwards the bridge's port slice from the public address to it. Returns the function that
 * removes the rules again; on failure nothing is left behind.
 */
export async function forwardMedia(spec: ForwardingSpec): Promise<() => Promise<void>> {
  try {
    for (const [table, chain, ...rule] of forwardingRules(spec)) {
      await iptables(['-t', table, chain === 'FORWARD' ? '-I' : '-A', chain, ...(chain === 'FORWARD' ? ['1'] : []), ...rule]);
    }
  } catch (error) {
    await removeForwarding(spec.id);
    throw new BridgeLaunchError('start_failed', `could not forward media ports ${spec.ports.join('-')} from ${spec.hostAddress} (iptables)`, { cause: error });
  }
  return () => removeForwarding(spec.id);
}
