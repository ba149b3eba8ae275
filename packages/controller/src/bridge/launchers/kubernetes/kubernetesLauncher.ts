import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import { createBridgeAccount, waitForConsumer, type BridgeBrokerAccount } from '../shared/brokerAccess.js';
import { BridgeDeployment, type KubernetesSettings, type PortBlocks } from './deployment.js';
import { launcherLabel, managedBy, type BridgeResources, type BrokerPeer, type PodPeer } from './objects.js';
import { PodWatch } from './podWatch.js';
import { BridgeLaunchError, type Bridge, type BridgeApi, type BridgeLauncher, type BridgeSpec } from '../../launcher.js';
import { LaunchedBridge } from '../shared/launchedBridge.js';

/** Pods in a namespace chosen by labels; the namespace defaults to the bridges'. */
export type PodPeerOption = Omit<PodPeer, 'namespace'> & { namespace?: string | undefined };

export interface KubernetesLauncherOptions {
  /** Namespace of the bridges. Default: the kubeconfig context's namespace (in a cluster: the controller's own), else `default`. */
  namespace?: string;
  /** The Janus image. Default `plenum-janus:1.1.2`. */
  image?: string;
  /** IPv4 address browsers send media to. Default: the address of the node each bridge runs on. */
  publicAddress?: string;
  /** Inclusive UDP port range of all bridges' media, inside the cluster's NodePort range. Default 30000–32767. */
  rtpPorts?: [number, number];
  /** UDP ports per bridge. Default 100. */
  portsPerBridge?: number;
  /** Default: requests 100m CPU and 64Mi, limits 1 CPU and 256Mi. */
  resources?: BridgeResources;
  /** Port of Janus's WebSocket API in the Pod. Default 8188. */
  apiPort?: number;
  /** The controller Pods, the only ones that may reach the WebSocket API. Default: labels `app.kubernetes.io/name=plenum`, `app.kubernetes.io/component=controller`. */
  controllers?: PodPeerOption;
  /**
   * With it, bridges are commanded through RabbitMQ, each with its own account and queues.
   * `url`: the controller's broker URL (accounts, readiness). `host`/`port`: how bridges reach
   * the broker (default: the URL's). `peer`: where the broker is, for the egress rule (default
   * `<host>/32` when host is an IPv4 address). `createAccount`: default `createBridgeAccount`.
   */
  broker?: {
    url: string;
    host?: string;
    port?: number;
    peer?: { cidr: string } | PodPeerOption;
    createAccount?: (bridgeId: string) => Promise<BridgeBrokerAccount>;
  };
  /** How long a bridge Pod may take to be ready, scheduling and image pull included. Default 60 000 ms. */
  readyTimeoutMs?: number;
  /** How long `close()` waits for a bridge Pod to be gone. Default 30 000 ms. */
  deleteTimeoutMs?: number;
  /** Timeout of one API request. Default 15 000 ms. */
  requestTimeoutMs?: number;
  /** Default: the default loader (`KUBECONFIG`, `~/.kube/config`, or in-cluster). */
  kubeConfig?: KubeConfig;
  /** Problems no caller awaits: watch failures, objects `close()` could not delete. Default: a process warning. */
  onError?: (error: Error) => void;
}

const idPattern = /^[a-z0-9]{8,16}$/;
const loopback = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/;
const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function resolveBroker(broker: NonNullable<KubernetesLauncherOptions['broker']>, namespace: string): KubernetesSettings['broker'] {
  const url = new URL(broker.url);
  if (url.protocol === 'amqps:' && broker.host === undefined) {
    throw new Error('bridges speak plain AMQP to RabbitMQ: with an amqps:// PLENUM_AMQP_URL, set PLENUM_BRIDGE_K8S_BROKER_ADDRESS to a plain AMQP listener');
  }
  const host = broker.host ?? url.hostname;
  const port = broker.port ?? Number(url.port || 5672);
  if (loopback.test(host)) throw new Error(`bridge pods cannot reach RabbitMQ at ${host}: set PLENUM_BRIDGE_K8S_BROKER_ADDRESS to an address they can reach`);
  let peer: BrokerPeer;
  if (broker.peer && 'cidr' in broker.peer) peer = broker.peer;
  else if (broker.peer) peer = { namespace: broker.peer.namespace ?? namespace, podLabels: broker.peer.podLabels };
  else if (ipv4.test(host)) peer = { cidr: `${host}/32` };
  else throw new Error(`the bridges' egress rule needs to know where RabbitMQ (${host}) is: set PLENUM_BRIDGE_K8S_BROKER_CIDR or PLENUM_BRIDGE_K8S_BROKER_SELECTOR`);
  const brokerUrl = broker.url;
  return { url: brokerUrl, host, port, peer, createAccount: broker.createAccount ?? ((id) => createBridgeAccount(id, brokerUrl)) };
}

/** Blocks of `size` ports in `range`, one per bridge of this launcher. */
class PortBlockPool implements PortBlocks {
  readonly #first: number;
  readonly #size: number;
  readonly #count: number;
  readonly #used = new Set<number>();

  constructor([first, last]: [number, number], size: number) {
    this.#first = first;
    this.#size = size;
    this.#count = Math.floor((last - first + 1) / size);
    if (this.#count < 1) throw new Error(`the RTP port range ${first}-${last} holds no block of ${size} ports`);
  }

  take(exclude: ReadonlySet<number>): { block: number; ports: [number, number] } | undefined {
    // A random start makes two controllers less likely to ask for the same block.
    const start = Math.floor(Math.random() * this.#count);
    for (let i = 0; i < this.#count; i++) {
      const block = (start + i) % this.#count;
      if (this.#used.has(block) || exclude.has(block)) continue;
      this.#used.add(block);
      const first = this.#first + block * this.#size;
      return { block, ports: [first, first + this.#size - 1] };
    }
    return undefined;
  }

  release(block: number): void {
    this.#used.delete(block);
  }
}

/**
 * `PLENUM_BRIDGE_LAUNCHER=kubernetes`: a Pod per conference bridge, with its Secret, Service and
 * NetworkPolicy (`objects.ts`), in one namespace. See `docs/kubernetes.md`.
 */
export class KubernetesLauncher implements BridgeLauncher {
  readonly kind = 'kubernetes';
  readonly #settings: KubernetesSettings;
  readonly #core: CoreV1Api;
  readonly #network: NetworkingV1Api;
  readonly #pods: PodWatch;
  readonly #ports: PortBlockPool;
  readonly #launcherId = randomBytes(4).toString('hex');
  readonly #onError: (error: Error) => void;
  /** How to stop each bridge not yet closed: its teardown while starting, then its `close()`. */
  readonly #stoppers = new Map<BridgeDeployment, () => Promise<void>>();
  #closed = false;

  constructor(options: KubernetesLauncherOptions = {}) {
    const kubeConfig = options.kubeConfig ?? new KubeConfig();
    if (!options.kubeConfig) kubeConfig.loadFromDefault();
    const namespace = options.namespace ?? kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? 'default';
    this.#settings = {
      namespace,
      image: options.image ?? 'plenum-janus:1.1.2',
      publicAddress: options.publicAddress,
      resources: options.resources ?? { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
      apiPort: options.apiPort ?? 8188,
      controllers: {
        namespace: options.controllers?.namespace ?? namespace,
        podLabels: options.controllers?.podLabels ?? { 'app.kubernetes.io/name': 'plenum', 'app.kubernetes.io/component': 'controller' },
      },
      broker: options.broker && resolveBroker(options.broker, namespace),
      readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
      deleteTimeoutMs: options.deleteTimeoutMs ?? 30_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
    };
    this.#ports = new PortBlockPool(options.rtpPorts ?? [30000, 32767], options.portsPerBridge ?? 100);
    this.#onError = options.onError ?? ((error) => process.emitWarning(error));
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#network = kubeConfig.makeApiClient(NetworkingV1Api);
    this.#pods = new PodWatch({
      kubeConfig,
      core: this.#core,
      namespace,
      labelSelector: `app.kubernetes.io/managed-by=${managedBy},${launcherLabel}=${this.#launcherId}`,
      onError: this.#onError,
    });
  }

  /**
   * Nothing yet: a Pod outlives its controller, and nothing tells a dead launcher's objects
   * from a live one's (no lease per launcher). docs/kubernetes.md gives the `kubectl` command.
   */
  sweep(): Promise<void> {
    return Promise.resolve();
  }

  /** True once `close()` was called: launching is refused. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The namespace bridges run in. */
  get namespace(): string {
    return this.#settings.namespace;
  }

  async launch(spec: BridgeSpec): Promise<Bridge> {
    if (this.#closed) throw new BridgeLaunchError('closed', 'the kubernetes launcher is closed');
    if (!idPattern.test(spec.id)) throw new BridgeLaunchError('invalid_spec', `bridge id must match ${idPattern.source}`);
    const deployment = new BridgeDeployment(spec.id, {
      core: this.#core,
      network: this.#network,
      pods: this.#pods,
      settings: this.#settings,
      launcherId: this.#launcherId,
      ports: this.#ports,
      onError: this.#onError,
    });
    this.#stoppers.set(deployment, () => deployment.teardown());
    const release = () => this.#stoppers.delete(deployment);
    try {
      const pod = await deployment.create(spec.apiSecret);
      const { broker, apiPort, readyTimeoutMs } = this.#settings;
      const account = deployment.account;
      let api: BridgeApi;
      if (broker && account) {
        // Ready is not enough here: Janus listens on no port, it consumes its request queue.
        await waitForConsumer(broker.url, account.toJanus, readyTimeoutMs, () => deployment.ended).catch((error: unknown) => {
          throw new BridgeLaunchError('start_failed', `bridge ${spec.id}: ${error instanceof Error ? error.message : 'janus did not come up'}`, { cause: error });
        });
        api = { kind: 'rabbitmq', toJanus: account.toJanus, fromJanus: account.fromJanus };
      } else {
        api = { kind: 'websocket', url: `ws://${pod.podIP}:${apiPort}` };
      }
      if (this.closed) throw new BridgeLaunchError('closed', 'the kubernetes launcher was closed while the bridge started');
      // Its end would go unreported: no one listens yet.
      if (deployment.ended) throw new BridgeLaunchError('start_failed', `bridge ${spec.id} ended while starting`);
      // A running bridge Pod; `close()` deletes its objects and broker account.
      const bridge = new LaunchedBridge({
        id: deployment.id,
        mediaAddress: this.#settings.publicAddress ?? pod.hostIP,
        api,
        teardown: () => deployment.teardown().finally(release),
      });
      // A Pod has no signal to report: the exit code, or null when it was deleted.
      deployment.onEnded((exitCode) => bridge.exited(exitCode, null));
      this.#stoppers.set(deployment, () => bridge.close());
      return bridge;
    } catch (error) {
      await deployment.teardown();
      release();
      throw error instanceof BridgeLaunchError ? error : new BridgeLaunchError('start_failed', `could not start bridge ${spec.id}`, { cause: error });
    }
  }

  /** Deletes every bridge this launcher made, including those still starting, and stops watching. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#stoppers.values()].map((stop) => stop()));
    await this.#pods.close();
  }
}

/** The launcher for `PLENUM_BRIDGE_LAUNCHER=kubernetes`; `kubernetesLauncherOptions()` makes its options from the settings. */
export function createKubernetesLauncher(options: KubernetesLauncherOptions = {}): KubernetesLauncher {
  return new KubernetesLauncher(options);
}
