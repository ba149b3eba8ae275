import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function sh(command: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(command, args, { timeout: 10_000 });
  return stdout;
}

/** How a client network reaches the server. */
export type ClientKind =
  /** A namespace of its own whose only route leads to the server's public address. */
  | 'direct'
  /** Behind a masquerading router namespace (a home router): the server sees the router's address. */
  | 'nat'
  /** Like `direct`, but all UDP is dropped (a corporate firewall): only TURN over TCP gets through. */
  | 'no-udp'
  /** Only TCP to the given ports (HTTPS, TURN over TLS on 443) leaves the namespace. */
  | { tcpPorts: number[] };

/** A browser's network on this machine: a namespace, and the script that runs Chromium in it. */
export interface ClientNetwork {
  namespace: string;
  /** The client's own address (behind NAT: its private one). */
  address: string;
  /** Use as Playwright's `executablePath`: Chromium inside the namespace. */
  chromium: string;
}

/**
 * "Other networks" for tests, made only of namespaces and addresses of documentation ranges on
 * this machine: the server's public address (203.0.113.1–60) on an interface of the host,
 * and client namespaces (198.51.100.0/25 links, 203.0.113.128/25 behind NAT) that reach
 * nothing but that address. Never 192.0.2.0/24: this machine's own LAN may use it.
 * `close()` removes all of it.
 */
export class TestNetworks {
  readonly publicAddress: string;
  readonly #tag: string;
  readonly #dummy: string;
  readonly #namespaces: string[] = [];
  readonly #links: string[] = [];
  readonly #scriptDir = mkdtempSync(path.join(tmpdir(), 'plenum-netns-'));
  #clients = 0;

  private constructor(tag: string, publicAddress: string) {
    this.#tag = tag;
    this.publicAddress = publicAddress;
    this.#dummy = `plpub${tag}`;
  }

  /** Puts a public address for the server on the host. */
  static async create(): Promise<TestNetworks> {
    const tag = randomBytes(2).toString('hex');
    // One address per instance, so test files running side by side do not meet (.77–.79: the TURN tests').
    const address = `203.0.113.${1 + (parseInt(tag, 16) % 60)}`;
    const networks = new TestNetworks(tag, address);
    // This kernel has no dummy interfaces: one end of a veth pair holds the address.
    await sh('ip', 'link', 'add', networks.#dummy, 'type', 'veth', 'peer', 'name', `${networks.#dummy}p`);
    await sh('ip', 'addr', 'add', `${address}/32`, 'dev', networks.#dummy);
    await sh('ip', 'link', 'set', `${networks.#dummy}p`, 'up');
    await sh('ip', 'link', 'set', networks.#dummy, 'up');
    return networks;
  }

  /** A new client network of the given kind. */
  async client(kind: ClientKind): Promise<ClientNetwork> {
    const n = this.#clients++;
    if (n >= 31) throw new Error('too many client networks');
    const namespace = `plc-${this.#tag}-${n}`;
    await this.#namespace(namespace);
    // Host ↔ first namespace: a /30 of 198.51.100.0/24 (192.0.2.0/24 may be the machine's own LAN).
    const hostSide = `198.51.100.${4 * n + 1}`;
    const nsSide = `198.51.100.${4 * n + 2}`;
    await this.#link(`plh${this.#tag}${n}`, `pli${this.#tag}${n}`, namespace, hostSide, nsSide);
    await this.#inside(namespace, 'ip', 'route', 'add', `${this.publicAddress}/32`, 'via', hostSide);
    let address = nsSide;
    let clientNamespace = namespace;
    if (kind === 'nat') {
      // `namespace` is the router; the browser sits behind it.
      clientNamespace = `plc-${this.#tag}-${n}b`;
      await this.#namespace(clientNamespace);
      // Only inside the router's and the browser's namespaces.
      const routerSide = `203.0.113.${128 + 4 * n + 1}`;
      address = `203.0.113.${128 + 4 * n + 2}`;
      await this.#linkBetween(`plr${this.#tag}${n}`, `plb${this.#tag}${n}`, namespace, clientNamespace, routerSide, address);
      await this.#inside(clientNamespace, 'ip', 'route', 'add', 'default', 'via', routerSide);
      await this.#inside(namespace, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward');
      await this.#inside(namespace, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', `pli${this.#tag}${n}`, '-j', 'MASQUERADE');
    } else if (kind === 'no-udp') {
      await this.#inside(namespace, 'iptables', '-A', 'OUTPUT', '-p', 'udp', '-j', 'DROP');
    } else if (typeof kind === 'object') {
      await this.#inside(namespace, 'iptables', '-A', 'OUTPUT', '-o', 'lo', '-j', 'ACCEPT');
      for (const port of kind.tcpPorts) await this.#inside(namespace, 'iptables', '-A', 'OUTPUT', '-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT');
      await this.#inside(namespace, 'iptables', '-A', 'OUTPUT', '-j', 'DROP');
    }
    const chromium = path.join(this.#scriptDir, `chromium-${clientNamespace}`);
    writeFileSync(chromium, `#!/bin/sh\nexec ip netns exec ${clientNamespace} /usr/bin/chromium "$@"\n`);
    chmodSync(chromium, 0o755);
    return { namespace: clientNamespace, address, chromium };
  }

  /** From now on the client's network drops all UDP (the firewall changed, or a move to a network without UDP). */
  async dropUdp(client: ClientNetwork): Promise<void> {
    await this.#inside(client.namespace, 'iptables', '-A', 'OUTPUT', '-p', 'udp', '-j', 'DROP');
  }

  /** Removes every namespace, link and address this instance made. Idempotent. */
  async close(): Promise<void> {
    for (const link of this.#links.splice(0)) await sh('ip', 'link', 'del', link).catch(() => undefined);
    for (const namespace of this.#namespaces.splice(0).reverse()) await sh('ip', 'netns', 'del', namespace).catch(() => undefined);
    await sh('ip', 'link', 'del', this.#dummy).catch(() => undefined);
    rmSync(this.#scriptDir, { recursive: true, force: true });
  }

  async #namespace(name: string): Promise<void> {
    await sh('ip', 'netns', 'add', name);
    this.#namespaces.push(name);
    await this.#inside(name, 'ip', 'link', 'set', 'lo', 'up');
  }

  #inside(namespace: string, ...command: string[]): Promise<string> {
    return sh('ip', 'netns', 'exec', namespace, ...command);
  }

  /** A veth pair from the host into `namespace`, with a /30 on each end. */
  async #link(hostIf: string, nsIf: string, namespace: string, hostAddress: string, nsAddress: string): Promise<void> {
    await sh('ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    this.#links.push(hostIf);
    await sh('ip', 'link', 'set', nsIf, 'netns', namespace);
    await sh('ip', 'addr', 'add', `${hostAddress}/30`, 'dev', hostIf);
    await sh('ip', 'link', 'set', hostIf, 'up');
    await this.#inside(namespace, 'ip', 'addr', 'add', `${nsAddress}/30`, 'dev', nsIf);
    await this.#inside(namespace, 'ip', 'link', 'set', nsIf, 'up');
  }

  /** A veth pair between two namespaces (router and client). */
  async #linkBetween(aIf: string, bIf: string, a: string, b: string, aAddress: string, bAddress: string): Promise<void> {
    await sh('ip', 'link', 'add', aIf, 'type', 'veth', 'peer', 'name', bIf);
    await sh('ip', 'link', 'set', aIf, 'netns', a);
    await sh('ip', 'link', 'set', bIf, 'netns', b);
    await this.#inside(a, 'ip', 'addr', 'add', `${aAddress}/30`, 'dev', aIf);
    await this.#inside(a, 'ip', 'link', 'set', aIf, 'up');
    await this.#inside(b, 'ip', 'addr', 'add', `${bAddress}/30`, 'dev', bIf);
    await this.#inside(b, 'ip', 'link', 'set', bIf, 'up');
  }
}

/** Forwarding rules of bridges (`plenum:<id>` comments) still in the host's tables. */
export async function leftoverForwardingRules(): Promise<string[]> {
  const rules: string[] = [];
  for (const table of ['nat', 'filter']) {
    rules.push(...(await sh('iptables', '-w', '5', '-t', table, '-S')).split('\n').filter((line) => line.includes('plenum:')));
  }
  return rules;
}
