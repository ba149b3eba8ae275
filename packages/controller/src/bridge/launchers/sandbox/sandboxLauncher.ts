import { spawn } from 'node:child_process';
import { chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { amqpVhost, createBridgeAccount, startBrokerRelay } from '../shared/brokerAccess.js';
import { defaultOwnerDir, recordOwner, sweepStaleBridges, type SweepResult } from '../shared/ownerRecords.js';
import { writeJanusConfig, type JanusApiTransport } from '../shared/janusConfig.js';
import { BridgeLaunchError, type Bridge, type BridgeLauncher, type BridgeSpec } from '../../launcher.js';
import { assertTraversable, chownTree, rtpPortsFor } from '../shared/launchSupport.js';
import { BridgeProcess, LaunchedBridge, untilReady } from '../shared/launchedBridge.js';
import type { MediaAddress } from '../shared/mediaAddress.js';
import { enableForwarding, forwardMedia } from '../shared/mediaForwarding.js';
import { addressesFor, createNamespace, deleteNamespace, drainNamespace, hostAddresses, namespaceNames } from '../shared/networkNamespace.js';
import { UndoList } from '../shared/undo.js';

export interface SandboxLauncherOptions {
  /** Parent of the bridges' directories. Each bridge gets `<baseDir>/<id>`, deleted on close. */
  baseDir: string;
  /** Port of the Janus WebSocket API inside each namespace. Default 8188. */
  apiPort?: number;
  /** How long Janus may take to accept connections. Default 10 s. */
  readyTimeoutMs?: number;
  /**
   * RabbitMQ URL. When set, the controller commands the bridge through RabbitMQ: a queue pair
   * and a broker account of its own per bridge, reached through a relay on its veth. Otherwise
   * through Janus's WebSocket API on the bridge's address.
   */
  brokerUrl?: string;
  /**
   * Where each bridge's owning process is recorded, so that a launcher starting later removes
   * the bridges of a process killed before it could (see `sweepStaleBridges`). Default
   * `/run/plenum/bridge-owners`.
   */
  ownerDir?: string;
  /**
   * Where browsers send media (see `resolveMediaAddress`). Each bridge's port slice is
   * forwarded from it into the bridge's namespace and Janus advertises it. Default: none,
   * the bridge's own namespace address, which only this machine reaches.
   */
  publicAddress?: MediaAddress;
  /** Told once when IPv4 forwarding had to be switched on for media. Default: nothing. */
  warn?: (message: string) => void;
}

const idPattern = /^[a-z0-9]{8,16}$/;

/** Bridges run as uid/gid `bridgeUidBase + slot`: unprivileged, and distinct per bridge. */
const bridgeUidBase = 200_000;

/** Distinct media port slices on one host (see `rtpPortsFor`). */
const portSlices = 400;

/**
 * The default launcher on Linux. Each bridge: Janus in a network namespace of its own (own
 * address, veth to the host), as an unprivileged user of its own, under bubblewrap with private
 * user/PID/IPC/UTS namespaces, no capabilities, a read-only root, a private /tmp and only its
 * own directory writable. Needs root (namespaces, veth).
 */
export class SandboxLauncher implements BridgeLauncher {
  readonly kind = 'sandbox';
  readonly #options: Required<Omit<SandboxLauncherOptions, 'publicAddress'>> & Pick<SandboxLauncherOptions, 'publicAddress'>;
  readonly #slots = new Set<number>();
  readonly #bridges = new Set<LaunchedBridge>();
  #closed = false;
  /** The start-up sweep of bridges left by dead processes; launches wait for it. */
  readonly swept: Promise<SweepResult>;

  constructor(options: SandboxLauncherOptions) {
    this.#options = { apiPort: 8188, readyTimeoutMs: 10_000, brokerUrl: '', ownerDir: defaultOwnerDir, warn: () => undefined, ...options };
    this.swept = sweepStaleBridges(this.#options.ownerDir);
  }

  /** The sweep this launcher began when it was made (a sandbox dies with its owner; what it had stays until then). */
  async sweep(): Promise<void> {
    await this.swept;
  }

  async launch(spec: BridgeSpec): Promise<Bridge> {
    if (this.#closed) throw new BridgeLaunchError('closed', 'the launcher is closed');
    if (!idPattern.test(spec.id)) throw new BridgeLaunchError('invalid_spec', `bridge id must match ${idPattern.source}`);
    await this.swept.catch(() => undefined);
    const slot = await this.#takeSlot();
    const undo = new UndoList((error) => this.#options.warn(`bridge ${spec.id}: clean-up step failed: ${String(error)}`));
    undo.push(async () => this.#slots.delete(slot));
    const dir = path.join(this.#options.baseDir, spec.id);
    let bridge: LaunchedBridge | undefined;
    try {
      // Recorded before anything exists, removed after everything is gone (undone last).
      const { name: namespace, hostInterface } = namespaceNames(spec.id);
      undo.push(await recordOwner(this.#options.ownerDir, { id: spec.id, dir, namespace, hostInterface, brokerVhost: this.#options.brokerUrl ? amqpVhost(this.#options.brokerUrl) : null }));
      // Bridges run as other users: they may pass through the base directory, not list it.
      await mkdir(this.#options.baseDir, { recursive: true });
      await chmod(this.#options.baseDir, 0o711);
      await assertTraversable(this.#options.baseDir);
      undo.push(() => rm(dir, { recursive: true, force: true }));
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const network = await createNamespace(spec.id, slot, { routed: this.#options.publicAddress !== undefined });
      // bubblewrap's exit does not wait for Janus: nothing may run in the namespace when it goes.
      undo.push(async () => {
        await drainNamespace(network.name);
        await deleteNamespace(network);
      });
      const publicAddress = this.#options.publicAddress;
      if (publicAddress) {
        if (await enableForwarding()) this.#options.warn('IPv4 forwarding switched on (net.ipv4.ip_forward=1): bridges receive media from other networks through it');
        undo.push(await forwardMedia({ id: spec.id, hostAddress: publicAddress.local, bridgeAddress: network.address, ports: rtpPortsFor(slot), hostInterface: network.hostInterface }));
      }
      const brokerUrl = this.#options.brokerUrl;
      let api: Bridge['api'];
      let transport: JanusApiTransport;
      if (brokerUrl) {
        const account = await createBridgeAccount(spec.id, brokerUrl);
        undo.push(() => account.remove());
        const relay = await startBrokerRelay(network.hostAddress, brokerUrl);
        undo.push(() => relay.close());
        transport = { kind: 'rabbitmq', host: network.hostAddress, port: relay.port, username: account.username, password: account.password, vhost: account.vhost, toJanus: account.toJanus, fromJanus: account.fromJanus };
        api = { kind: 'rabbitmq', toJanus: account.toJanus, fromJanus: account.fromJanus };
      } else {
        transport = { kind: 'websocket', address: network.address, port: this.#options.apiPort };
        api = { kind: 'websocket', url: `ws://${network.address}:${this.#options.apiPort}` };
      }
      await writeJanusConfig({ dir, mediaAddress: network.address, natMapping: publicAddress?.advertised, rtpPorts: rtpPortsFor(slot), apiSecret: spec.apiSecret, transport });
      // Each bridge runs as a user of its own that exists nowhere else, owning only its directory.
      const uid = String(bridgeUidBase + slot);
      await chownTree(dir, bridgeUidBase + slot);
      const child = spawn(
        'ip',
        [
          'netns', 'exec', network.name,
          // A crashing bridge must not leave a core dump: it would hold the conference's media.
          'prlimit', '--core=0', '--',
          'setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all',
          'bwrap',
          '--ro-bind', '/', '/',
          '--dev', '/dev',
          '--proc', '/proc',
          '--tmpfs', '/tmp',
          '--bind', dir, dir,
          '--unshare-user',
          '--cap-drop', 'ALL',
          '--unshare-pid', '--unshare-ipc', '--unshare-uts',
          '--die-with-parent', '--new-session',
          'janus', '-F', dir, '-C', path.join(dir, 'janus.jcfg'), '-o', '-N', '-L', path.join(dir, 'janus.log'),
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      // Keep the sandbox's last complaint for the error message if start-up fails.
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
      const started: LaunchedBridge = new LaunchedBridge({
        id: spec.id,
        mediaAddress: publicAddress?.advertised ?? network.address,
        api,
        teardown: async () => {
          await janus.stop();
          await undo.run();
          this.#bridges.delete(started);
        },
      });
      const janus = new BridgeProcess(child, started);
      bridge = started;
      this.#bridges.add(started);
      return await untilReady(started, {
        brokerUrl,
        apiAddress: network.address,
        apiPort: this.#options.apiPort,
        timeoutMs: this.#options.readyTimeoutMs,
        lastWords: () => Promise.resolve(stderr),
        launcherClosed: () => this.closed,
      });
    } catch (error) {
      if (!bridge) await undo.run();
      throw error instanceof BridgeLaunchError ? error : new BridgeLaunchError('start_failed', `could not start bridge ${spec.id}`, { cause: error });
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
   * A free slot: a /30 of 198.18.0.0/15 and a media port slice, used neither by this launcher
   * nor by any other bridge on the host (another controller or test process: its veth address
   * is present). Only as many slots as port slices, since forwarded slices must not overlap.
   * Scanning starts at a random slot to make clashes unlikely.
   */
  async #takeSlot(): Promise<number> {
    const inUse = await hostAddresses();
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
