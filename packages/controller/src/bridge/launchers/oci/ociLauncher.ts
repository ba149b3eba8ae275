import { execFile } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { createBridgeAccount, startBrokerRelay, type BridgeBrokerAccount } from '../shared/brokerAccess.js';
import { writeJanusConfig } from '../shared/janusConfig.js';
import { BridgeLaunchError, type Bridge, type BridgeLauncher, type BridgeSpec } from '../../launcher.js';
import { assertTraversable, chownTree, rtpPortsFor } from '../shared/launchSupport.js';
import { LaunchedBridge, untilReady } from '../shared/launchedBridge.js';
import { UndoList } from '../shared/undo.js';
import type { MediaAddress } from '../shared/mediaAddress.js';
import { enableForwarding, forwardMedia } from '../shared/mediaForwarding.js';
import { addressesFor, hostAddresses, interfaceWithAddress } from '../shared/networkNamespace.js';
import { demuxLogs, explainEngineError, NetworkSummary, WaitResult } from './engine.js';
import { bridgeLabel, ownerLabel, ownerTag, sweepOrphanedBridges } from './sweep.js';

export interface OciLauncherOptions {
  /** Unix socket of a Docker Engine API: Docker's, or `podman system service`'s. */
  socketPath: string;
  /** Image with Debian's janus at /usr/bin/janus and /bin/sh (see containers/janus/Containerfile). */
  image: string;
  /** Parent of the bridges' config directories, mounted read-only into their containers. */
  baseDir: string;
  /** RabbitMQ URL. When set, bridges are commanded through RabbitMQ (own account and queues). */
  brokerUrl?: string;
  /** Port of the Janus WebSocket API on each bridge's address. Default 8188. */
  apiPort?: number;
  /** How long a container may take until Janus answers. Default 20 s. */
  readyTimeoutMs?: number;
  /** Memory limit per bridge, in bytes. Default 512 MiB. */
  memoryBytes?: number;
  /** Processes and threads per bridge (Janus runs a thread per session). Default 4096. */
  pidsLimit?: number;
  /**
   * Where browsers send media (see `resolveMediaAddress`): each bridge's port slice is
   * forwarded from it to the container, which gets a route back through the host (its network
   * stays internal: nothing else is forwarded). Default: none, the container's own address,
   * which only this machine reaches.
   */
  publicAddress?: MediaAddress;
  /** Where problems nobody awaits go (a failed sweep of orphaned bridges). Default: a process warning. */
  warn?: (message: string) => void;
}

const idPattern = /^[a-z0-9]{8,16}$/;
const run = promisify(execFile);
/** Distinct media port slices on one host, shared with the sandbox's slots. */
const portSlices = 400;

/** Containers run as uid/gid `containerUidBase + slot`: never root, distinct per bridge and from the sandbox's. */
const containerUidBase = 300_000;

export { bridgeLabel };

/** The /30 of a slot: network, gateway (the host's side), the container's address. */
function subnetOf(slot: number): { subnet: string; gateway: string; address: string } {
  const { host, bridge } = addressesFor(slot);
  const octets = host.split('.');
  const network = [...octets.slice(0, 3), String(Number(octets[3]) - 1)].join('.');
  return { subnet: `${network}/30`, gateway: host, address: bridge };
}

/**
 * Janus must not start before its config is complete: with RabbitMQ, the relay it connects to
 * can only listen once the engine has put the gateway address on the host, which happens when
 * the container starts. The container's shell waits for `<dir>/start`, then becomes Janus.
 */
function gatedJanus(dir: string): string[] {
  return ['/bin/sh', '-c', 'while [ ! -e "$0/start" ]; do sleep 0.02; done; exec janus -F "$0" -C "$0/janus.jcfg" -o -N', dir];
}

/** Follows the container until it stops and tells the bridge; a stop not caused by `close()` is a crash. */
function watchContainer(container: Docker.Container, bridge: LaunchedBridge): void {
  container.wait().then(
    (answer: unknown) => {
      const parsed = WaitResult.safeParse(answer);
      const status = parsed.success ? parsed.data.StatusCode : null;
      // Engines report death by signal N as status 128 + N, as a shell does.
      const signal = status !== null && status > 128 ? signalName(status - 128) : null;
      bridge.exited(signal ? null : status, signal);
    },
    // The engine went away or the container was removed: either way Janus is gone.
    () => bridge.exited(null, null),
  );
}

function signalName(number: number): NodeJS.Signals | null {
  const entry = Object.entries(constants.signals).find(([, value]) => value === number);
  return entry ? (entry[0] as NodeJS.Signals) : null;
}

/**
 * `PLENUM_BRIDGE_LAUNCHER=oci`: one container per conference through the Docker Engine API
 * (Docker, or podman's service). Each container gets an internal network of its own (a /30
 * from 198.18.0.0/15; podman gives it no route anywhere else, Docker Engine keeps it in with
 * its own iptables rules), a read-only root, no capabilities,
 * no-new-privileges, a uid of its own, tmpfs for /tmp, memory and process limits, no core
 * dumps, and only its config directory mounted, read-only. The controller must run on the
 * engine's host: it writes the config there and browsers on that host reach the bridge's address.
 */
export class OciLauncher implements BridgeLauncher {
  readonly kind = 'oci';
  readonly #options: Required<Omit<OciLauncherOptions, 'publicAddress'>> & Pick<OciLauncherOptions, 'publicAddress'>;
  readonly #docker: Docker;
  readonly #slots = new Set<number>();
  readonly #bridges = new Set<LaunchedBridge>();
  #closed = false;
  /** The first launch waits for bridges of dead controllers on this host to be removed. */
  #swept: Promise<void> | undefined;

  constructor(options: OciLauncherOptions) {
    this.#options = {
      brokerUrl: '',
      apiPort: 8188,
      readyTimeoutMs: 20_000,
      memoryBytes: 512 * 1024 * 1024,
      pidsLimit: 4096,
      warn: (message) => process.emitWarning(message),
      ...options,
    };
    this.#docker = new Docker({ socketPath: options.socketPath });
  }

  /**
   * Removes containers, networks, directories and broker accounts of bridges whose controller
   * process on this host died without closing them. Runs once, before the first launch.
   */
  sweep(): Promise<void> {
    this.#swept ??= sweepOrphanedBridges(this.#docker, { baseDir: this.#options.baseDir, brokerUrl: this.#options.brokerUrl }).then(
      (ids) => {
        if (ids.length > 0) this.#options.warn(`removed ${String(ids.length)} bridge container(s) left by a controller that died: ${ids.join(', ')}`);
      },
      (error: unknown) => this.#options.warn(`could not sweep orphaned bridge containers: ${error instanceof Error ? error.message : String(error)}`),
    );
    return this.#swept;
  }

  async launch(spec: BridgeSpec): Promise<Bridge> {
    if (this.#closed) throw new BridgeLaunchError('closed', 'the launcher is closed');
    if (!idPattern.test(spec.id)) throw new BridgeLaunchError('invalid_spec', `bridge id must match ${idPattern.source}`);
    const { socketPath, image, brokerUrl } = this.#options;
    const name = `plenum-bridge-${spec.id}`;
    const dir = path.join(this.#options.baseDir, spec.id);
    // Undone by close() or by a failed launch.
    const undo = new UndoList((error) => this.#options.warn(`bridge ${spec.id}: clean-up step failed: ${String(error)}`));
    let bridge: LaunchedBridge | undefined;
    try {
      await this.sweep();
      const labels = { [bridgeLabel]: spec.id, [ownerLabel]: await ownerTag() };
      const slot = await this.#takeSlot();
      undo.push(async () => this.#slots.delete(slot));
      const { subnet, gateway, address } = subnetOf(slot);
      const uid = containerUidBase + slot;

      await mkdir(this.#options.baseDir, { recursive: true });
      await chmod(this.#options.baseDir, 0o711);
      await assertTraversable(this.#options.baseDir);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      undo.push(() => rm(dir, { recursive: true, force: true }));

      // Internal: no default route, no NAT; the host reaches the container on its /30.
      const network = await this.#docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        Internal: true,
        EnableIPv6: false,
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet, Gateway: gateway }] },
        Labels: labels,
      });
      undo.push(() => network.remove());

      let account: BridgeBrokerAccount | undefined;
      let api: Bridge['api'];
      const { publicAddress } = this.#options;
      const config = { dir, mediaAddress: address, natMapping: publicAddress?.advertised, rtpPorts: rtpPortsFor(slot), apiSecret: spec.apiSecret };
      if (brokerUrl) {
        const created = await createBridgeAccount(spec.id, brokerUrl);
        account = created;
        undo.push(() => created.remove());
        api = { kind: 'rabbitmq', toJanus: created.toJanus, fromJanus: created.fromJanus };
      } else {
        await writeJanusConfig({ ...config, transport: { kind: 'websocket', address, port: this.#options.apiPort } });
        api = { kind: 'websocket', url: `ws://${address}:${String(this.#options.apiPort)}` };
      }
      await chownTree(dir, uid);

      const container = await this.#docker.createContainer({
        name,
        Image: image,
        Cmd: gatedJanus(dir),
        User: `${String(uid)}:${String(uid)}`,
        Labels: labels,
        HostConfig: {
          NetworkMode: name,
          ReadonlyRootfs: true,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          Binds: [`${dir}:${dir}:ro`],
          Tmpfs: { '/tmp': 'rw,nosuid,nodev,noexec,size=16m' },
          Memory: this.#options.memoryBytes,
          MemorySwap: this.#options.memoryBytes,
          PidsLimit: this.#options.pidsLimit,
          // Explicit, and below what engines would ask for by default (hosts may refuse more).
          // No core dumps: a crashing bridge must not leave its media on disk.
          Ulimits: [
            { Name: 'nofile', Soft: 4096, Hard: 4096 },
            { Name: 'nproc', Soft: this.#options.pidsLimit, Hard: this.#options.pidsLimit },
            { Name: 'core', Soft: 0, Hard: 0 },
          ],
        },
        NetworkingConfig: { EndpointsConfig: { [name]: { IPAMConfig: { IPv4Address: address } } } },
      });
      // Removing the container also drops its log and anonymous volumes.
      undo.push(() => container.remove({ force: true, v: true }));
      await container.start();
      if (publicAddress) {
        // The network is internal: the host gives the container a default route (podman sets none; `replace` keeps Docker's), and forwards only its media ports.
        const { State } = await container.inspect();
        await run('nsenter', ['-t', String(State.Pid), '-n', 'ip', 'route', 'replace', 'default', 'via', gateway], { timeout: 5000 });
        if (await enableForwarding()) this.#options.warn('IPv4 forwarding switched on (net.ipv4.ip_forward=1): bridges receive media from other networks through it');
        const hostInterface = await interfaceWithAddress(gateway);
        // The engine turns forwarding off on an internal network's bridge; the rules below let only media through.
        if (hostInterface) await writeFile(`/proc/sys/net/ipv4/conf/${hostInterface}/forwarding`, '1\n');
        undo.push(await forwardMedia({ id: spec.id, hostAddress: publicAddress.local, bridgeAddress: address, ports: rtpPortsFor(slot), ...(hostInterface ? { hostInterface } : {}) }));
      }

      if (brokerUrl && account) {
        const relay = await startBrokerRelay(gateway, brokerUrl);
        undo.push(() => relay.close());
        await writeJanusConfig({
          ...config,
          transport: { kind: 'rabbitmq', host: gateway, port: relay.port, username: account.username, password: account.password, vhost: account.vhost, toJanus: account.toJanus, fromJanus: account.fromJanus },
        });
        await chownTree(dir, uid);
      }
      await writeFile(path.join(dir, 'start'), '', { mode: 0o400 });

      const started: LaunchedBridge = new LaunchedBridge({
        id: spec.id,
        mediaAddress: publicAddress?.advertised ?? address,
        api,
        teardown: async () => {
          await undo.run();
          this.#bridges.delete(started);
        },
      });
      bridge = started;
      this.#bridges.add(started);
      watchContainer(container, started);
      return await untilReady(started, {
        brokerUrl,
        apiAddress: address,
        apiPort: this.#options.apiPort,
        timeoutMs: this.#options.readyTimeoutMs,
        lastWords: async () => (await container.logs({ stdout: true, stderr: true, tail: 20 }).then(demuxLogs, () => '')).trim().slice(-500),
        launcherClosed: () => this.closed,
      });
    } catch (error) {
      if (!bridge) await undo.run();
      if (error instanceof BridgeLaunchError) throw error;
      throw explainEngineError(error, socketPath, image, spec.id);
    }
  }

  /** True once `close()` was called: launching is refused. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops every bridge; later launches are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#bridges].map((bridge) => bridge.close()));
  }

  /**
   * A free /30 of 198.18.0.0/15: not taken by this launcher, by an engine network (of any
   * controller) nor by a host interface (sandbox bridges). Scanning starts at random.
   */
  async #takeSlot(): Promise<number> {
    const inUse = await hostAddresses();
    const networks: unknown = await this.#docker.listNetworks();
    for (const entry of Array.isArray(networks) ? networks : []) {
      const parsed = NetworkSummary.safeParse(entry);
      for (const config of parsed.success ? (parsed.data.IPAM?.Config ?? []) : []) if (config.Gateway) inUse.add(config.Gateway);
    }
    // As many slots as media port slices (see `rtpPortsFor`): forwarded slices must not overlap.
    const start = Math.floor(Math.random() * portSlices);
    for (let i = 0; i < portSlices; i++) {
      const slot = (start + i) % portSlices;
      if (!this.#slots.has(slot) && !inUse.has(addressesFor(slot).host)) {
        this.#slots.add(slot);
        return slot;
      }
    }
    throw new BridgeLaunchError('no_capacity', 'no free bridge address');
  }
}
