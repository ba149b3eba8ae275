import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { createBridgeAccount, waitForConsumer } from '../shared/brokerAccess.js';
import { writeJanusConfig, type JanusApiTransport } from '../shared/janusConfig.js';
import { BridgeLaunchError, type Bridge, type BridgeLauncher, type BridgeSpec } from '../../launcher.js';
import { assertTraversable, chownTree, rtpPortsFor, waitForPort } from '../shared/launchSupport.js';

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
  if (typeof address !== 'object' || !address) throw new BridgeLaunchError('no free port for the bridge API');
  return address.port;
}

/** One conference's Janus as a plain process on the host network. */
class HostBridge implements Bridge {
  readonly id: string;
  readonly mediaAddress: string;
  readonly api: Bridge['api'];
  readonly #process: ChildProcess;
  readonly #release: () => Promise<void>;
  readonly #exitHandlers: ((code: number | null, signal: NodeJS.Signals | null) => void)[] = [];
  readonly #exited: Promise<void>;
  #closing: Promise<void> | undefined;
  #hasExited = false;

  constructor(id: string, child: ChildProcess, mediaAddress: string, api: Bridge['api'], release: () => Promise<void>) {
    this.id = id;
    this.#process = child;
    this.mediaAddress = mediaAddress;
    this.api = api;
    this.#release = release;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#hasExited = true;
        resolve();
        if (!this.#closing) for (const handler of this.#exitHandlers) handler(code, signal);
      });
    });
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  get hasExited(): boolean {
    return this.#hasExited;
  }

  onExit(handler: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.#exitHandlers.push(handler);
  }

  close(): Promise<void> {
    this.#closing ??= this.#teardown();
    return this.#closing;
  }

  async #teardown(): Promise<void> {
    if (!this.#hasExited) {
      this.#process.kill('SIGTERM');
      const killer = setTimeout(() => this.#process.kill('SIGKILL'), 3000);
      await this.#exited;
      clearTimeout(killer);
    }
    await this.#release();
  }
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
  readonly #bridges = new Set<HostBridge>();

  constructor(options: HostLauncherOptions) {
    this.#options = { brokerUrl: '', readyTimeoutMs: 10_000, warn: (message) => process.emitWarning(message), ...options };
    if (/^127\./.test(options.mediaAddress)) throw new BridgeLaunchError('the host launcher needs an address browsers reach; Janus never uses loopback for media');
    this.#options.warn(
      `bridges run as plain processes on the host network (PLENUM_BRIDGE_LAUNCHER=host): isolation is reduced — no own network, file system view or process table per conference. Prefer sandbox or oci where the machine allows.`,
    );
  }

  async launch(spec: BridgeSpec): Promise<Bridge> {
    if (!idPattern.test(spec.id)) throw new BridgeLaunchError(`bridge id must match ${idPattern.source}`);
    const block = this.#takeBlock();
    const cleanups: (() => Promise<unknown>)[] = [async () => this.#blocks.delete(block)];
    const release = async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      cleanups.length = 0;
    };
    const { baseDir, brokerUrl, mediaAddress, publicAddress } = this.#options;
    const natMapping = publicAddress !== undefined && publicAddress !== mediaAddress ? publicAddress : undefined;
    const dir = path.join(baseDir, spec.id);
    const asRoot = process.getuid?.() === 0;
    let bridge: HostBridge | undefined;
    try {
      await mkdir(baseDir, { recursive: true });
      await chmod(baseDir, 0o711);
      if (asRoot) await assertTraversable(baseDir);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      let api: Bridge['api'];
      let transport: JanusApiTransport;
      if (brokerUrl) {
        const account = await createBridgeAccount(spec.id, brokerUrl);
        cleanups.push(() => account.remove());
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
      const janus = ['janus', '-F', dir, '-C', path.join(dir, 'janus.jcfg'), '-o', '-N', '-L', path.join(dir, 'janus.log')];
      // No core dumps (they would hold media); Janus dies with the controller (pdeathsig).
      const drop = asRoot ? [`--reuid=${String(uid)}`, `--regid=${String(uid)}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'] : [];
      const child = spawn('prlimit', ['--core=0', '--', 'setpriv', ...drop, '--pdeathsig', 'SIGKILL', '--', ...janus], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
      const started = new HostBridge(spec.id, child, natMapping ?? mediaAddress, api, async () => {
        await release();
        this.#bridges.delete(started);
      });
      bridge = started;
      this.#bridges.add(started);
      try {
        if (api.kind === 'rabbitmq') await waitForConsumer(brokerUrl, api.toJanus, this.#options.readyTimeoutMs, () => started.hasExited);
        else await waitForPort('127.0.0.1', transport.kind === 'websocket' ? transport.port : 0, this.#options.readyTimeoutMs, () => started.hasExited);
      } catch (error) {
        await started.close();
        throw new BridgeLaunchError(`${error instanceof Error ? error.message : 'start failed'}${stderr ? `: ${stderr.trim()}` : ''}`, { cause: error });
      }
      return started;
    } catch (error) {
      if (!bridge) await release();
      throw error instanceof BridgeLaunchError ? error : new BridgeLaunchError(`could not start bridge ${spec.id}`, { cause: error });
    }
  }

  async close(): Promise<void> {
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
    throw new BridgeLaunchError(`no free port range: at most ${String(blocks)} bridges per host`);
  }
}
