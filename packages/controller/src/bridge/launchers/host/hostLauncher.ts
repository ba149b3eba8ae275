import { spawn } from 'node:child_process';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { amqpVhost, createBridgeAccount } from '../shared/brokerAccess.js';
import { defaultOwnerDir, recordOwner, sweepStaleBridges } from '../shared/ownerRecords.js';
import { writeJanusConfig, type JanusApiTransport } from '../shared/janusConfig.js';
import { BridgeLaunchError, type Bridge, type BridgeLauncher, type BridgeSpec } from '../../launcher.js';
import { assertTraversable, chownTree, rtpPortsFor } from '../shared/launchSupport.js';
import { BridgeProcess, LaunchedBridge, untilReady } from '../shared/launchedBridge.js';
import { UndoList } from '../shared/undo.js';

export interface HostLauncherOptions {
  /** Parent of the bridges' directories. Each bridge gets `<baseDir>/<id>`, deleted on close. */
  baseDir: string;
  /**
   * The machine's address that browsers reach (not loopback: Janus never uses it for media).
   * Every bridge gathers ICE candidates on it only, each on its own 100 UDP ports.
   */
  mediaAddress: string;
  /**
   * The address browsers send media to when a 1:1 NAT in front of the machine forwards it to
   * `mediaAddress` (keeping ports): Janus advertises it instead. Default: `mediaAddress`.
   */
  publicAddress?: string;
  /** RabbitMQ URL. When set, bridges are commanded through RabbitMQ (own account and queues). */
  brokerUrl?: string;
  /**
   * Where each bridge's owning process is recorded, so that a launcher starting later removes
   * the directory and broker account of a controller killed before it could. Default
   * `/run/plenum/bridge-owners` (shared with the sandbox launcher).
   */
  ownerDir?: string;
  /** How long Janus may take to accept connections. Default 10 s. */
  readyTimeoutMs?: number;
  /** Where the reduced-isolation warning goes. Default: a process warning. */
  warn?: (message: string) => void;
}

const idPattern = /^[a-z0-9]{8,16}$/;

/** As root, bridges run as uid/gid `hostUidBase + block`: distinct from the sandbox's and containers'. */
const hostUidBase = 400_000;
const blocks = 400;

/** A TCP port free on loopback now, for a bridge's WebSocket API. */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new BridgeLaunchError('no_capacity', 'no free port for the bridge API');
  return address.port;
}

/**
 * `PLENUM_BRIDGE_LAUNCHER=host`, for machines without namespaces or a container engine: Janus
 * as a plain process on the host network, media on the configured address, each bridge on its
 * own 100 UDP ports with its own API port (loopback), secret, directory (wiped on close) and,
 * with RabbitMQ, its own broker account. As root it runs as a uid of its own with no
 * capabilities. Isolation is reduced: bridges share the host's network, file system view and
 * process table, and a bridge can reach whatever the host can.
 */
export class HostLauncher implements BridgeLauncher {
  readonly kind = 'host';
  readonly #options: Required<Omit<HostLauncherOptions, 'publicAddress'>> & Pick<HostLauncherOptions, 'publicAddress'>;
  readonly #blocks = new Set<number>();
  readonly #bridges = new Set<LaunchedBridge>();
  #closed = false;
  readonly #swept: Promise<unknown>;

  constructor(options: HostLauncherOptions) {
    this.#options = { brokerUrl: '', readyTimeoutMs: 10_000, ownerDir: defaultOwnerDir, warn: (message) => process.emitWarning(message), ...options };
    this.#swept = sweepStaleBridges(this.#options.ownerDir);
    if (/^127\./.test(options.mediaAddress)) throw new BridgeLaunchError('misconfigured', 'the host launcher needs an address browsers reach; Janus never uses loopback for media');
    this.#options.warn(
      `bridges run as plain processes on the host network (PLENUM_BRIDGE_LAUNCHER=host): isolation is reduced — no own network, file system view or process table per conference. Prefer sandbox or oci where the machine allows.`,
    );
  }

  async launch(spec: BridgeSpec): Promise<Bridge> {
    if (this.#closed) throw new BridgeLaunchError('closed', 'the launcher is closed');
    if (!idPattern.test(spec.id)) throw new BridgeLaunchError('invalid_spec', `bridge id must match ${idPattern.source}`);
    await this.#swept;
    const block = this.#takeBlock();
    const undo = new UndoList((error) => this.#options.warn(`bridge ${spec.id}: clean-up step failed: ${String(error)}`));
    undo.push(async () => this.#blocks.delete(block));
    const { baseDir, brokerUrl, mediaAddress, publicAddress } = this.#options;
    const natMapping = publicAddress !== undefined && publicAddress !== mediaAddress ? publicAddress : undefined;
    const dir = path.join(baseDir, spec.id);
    const asRoot = process.getuid?.() === 0;
    let bridge: LaunchedBridge | undefined;
    try {
      undo.push(await recordOwner(this.#options.ownerDir, { id: spec.id, dir, namespace: null, hostInterface: null, brokerVhost: brokerUrl ? amqpVhost(brokerUrl) : null }));
      await mkdir(baseDir, { recursive: true });
      await chmod(baseDir, 0o711);
      if (asRoot) await assertTraversable(baseDir);
      undo.push(() => rm(dir, { recursive: true, force: true }));
      await mkdir(dir, { recursive: true, mode: 0o700 });
      let api: Bridge['api'];
      let transport: JanusApiTransport;
      if (brokerUrl) {
        const account = await createBridgeAccount(spec.id, brokerUrl);
        undo.push(() => account.remove());
        const broker = new URL(brokerUrl);
        const port = Number(broker.port || (broker.protocol === 'amqps:' ? 5671 : 5672));
        transport = { kind: 'rabbitmq', host: broker.hostname, port, username: account.username, password: account.password, vhost: account.vhost, toJanus: account.toJanus, fromJanus: account.fromJanus };
        api = { kind: 'rabbitmq', toJanus: account.toJanus, fromJanus: account.fromJanus };
      } else {
        // The API listens on loopback only; media goes to the configured address.
        const port = await freeLoopbackPort();
        transport = { kind: 'websocket', address: '127.0.0.1', port };
        api = { kind: 'websocket', url: `ws://127.0.0.1:${String(port)}` };
      }
      await writeJanusConfig({ dir, mediaAddress, natMapping, rtpPorts: rtpPortsFor(block), apiSecret: spec.apiSecret, transport });
      const uid = hostUidBase + block;
      if (asRoot) await chownTree(dir, uid);
      const janusCommand = ['janus', '-F', dir, '-C', path.join(dir, 'janus.jcfg'), '-o', '-N', '-L', path.join(dir, 'janus.log')];
      // No core dumps (they would hold media); Janus dies with the controller (pdeathsig).
      const drop = asRoot ? [`--reuid=${String(uid)}`, `--regid=${String(uid)}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'] : [];
      const child = spawn('prlimit', ['--core=0', '--', 'setpriv', ...drop, '--pdeathsig', 'SIGKILL', '--', ...janusCommand], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
      const started: LaunchedBridge = new LaunchedBridge({
        id: spec.id,
        mediaAddress: natMapping ?? mediaAddress,
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
        apiAddress: '127.0.0.1',
        apiPort: transport.kind === 'websocket' ? transport.port : 0,
        timeoutMs: this.#options.readyTimeoutMs,
        lastWords: () => Promise.resolve(stderr),
        launcherClosed: () => this.closed,
      });
    } catch (error) {
      if (!bridge) await undo.run();
      throw error instanceof BridgeLaunchError ? error : new BridgeLaunchError('start_failed', `could not start bridge ${spec.id}`, { cause: error });
    }
  }

  /** The sweep this launcher began when it was made: Janus died with its controller (pdeathsig); its directory and broker account go here. */
  async sweep(): Promise<void> {
    await this.#swept;
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

  /** A block of RTP ports (and uid) no other bridge of this launcher uses; random start. */
  #takeBlock(): number {
    const start = Math.floor(Math.random() * blocks);
    for (let i = 0; i < blocks; i++) {
      const block = (start + i) % blocks;
      if (!this.#blocks.has(block)) {
        this.#blocks.add(block);
        return block;
      }
    }
    throw new BridgeLaunchError('no_capacity', `no free port range: at most ${String(blocks)} bridges per host`);
  }
}
