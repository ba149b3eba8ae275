import { loadYaml, type CoreV1Api, type NetworkingV1Api, type V1NetworkPolicy, type V1Pod, type V1Secret, type V1Service } from '@kubernetes/client-node';
import type { BridgeBrokerAccount } from '../shared/brokerAccess.js';
import { describeApiError, isNodePortTaken, isNotFound, withTimeout } from './apiErrors.js';
import {
  bridgeNetworkPolicy,
  bridgeObjectNames,
  bridgePod,
  bridgeSecret,
  bridgeService,
  type BridgeApiAccess,
  type BridgeObjectsSpec,
  type BridgeResources,
  type BrokerPeer,
  type PodPeer,
} from './objects.js';
import { podState, type ObservedPod } from './podState.js';
import type { PodWatch } from './podWatch.js';
import { BridgeLaunchError } from '../../launcher.js';

/** The launcher's settings with every default applied. */
export interface KubernetesSettings {
  namespace: string;
  image: string;
  publicAddress: string | undefined;
  resources: BridgeResources;
  apiPort: number;
  controllers: PodPeer;
  broker: { url: string; host: string; port: number; peer: BrokerPeer; createAccount: (bridgeId: string) => Promise<BridgeBrokerAccount> } | undefined;
  readyTimeoutMs: number;
  deleteTimeoutMs: number;
  requestTimeoutMs: number;
}

/** Hands out the blocks of UDP ports bridges of this launcher use. */
export interface PortBlocks {
  /** A free block not in `exclude`, or undefined. */
  take(exclude: ReadonlySet<number>): { block: number; ports: [number, number] } | undefined;
  release(block: number): void;
}

export interface DeploymentContext {
  core: CoreV1Api;
  network: NetworkingV1Api;
  pods: PodWatch;
  settings: KubernetesSettings;
  launcherId: string;
  ports: PortBlocks;
  onError: (error: Error) => void;
}

interface ClientModels {
  Service: V1Service;
  NetworkPolicy: V1NetworkPolicy;
  Secret: V1Secret;
  Pod: V1Pod;
}

type Kind = keyof ClientModels;

/**
 * The client's model of an object given in the API's JSON (`kubernetes-models` form). The
 * client serializes its own models, whose fields differ in places (`from` is `_from`): its
 * public YAML loader, fed JSON, does that conversion.
 */
function clientModel<K extends keyof ClientModels>(object: { apiVersion: string; kind: K }): ClientModels[K] {
  return loadYaml<ClientModels[K]>(JSON.stringify(object));
}

/** How often a Service is retried with another port block when its node ports are taken. */
const portAttempts = 5;

/**
 * One bridge's objects in the cluster: creates them in an order that never lets the Pod run
 * unconfined (Service for the ports, NetworkPolicy, Secret, then Pod), follows the Pod, and
 * deletes everything it tried to create (a create that timed out may still have happened).
 */
export class BridgeDeployment {
  readonly id: string;
  readonly #context: DeploymentContext;
  readonly #names: ReturnType<typeof bridgeObjectNames>;
  readonly #attempted = new Set<Kind>();
  readonly #endHandlers: ((exitCode: number | null, detail: string) => void)[] = [];
  #account: BridgeBrokerAccount | undefined;
  #block: number | undefined;
  #unobserve: (() => void) | undefined;
  #lastSeen = 'not created yet';
  #ready: { resolve: (pod: { podIP: string; hostIP: string }) => void; reject: (error: Error) => void } | undefined;
  #ended = false;
  #gone = false;
  #wakeGone: (() => void) | undefined;
  #tearingDown: Promise<void> | undefined;
  /** The create request under way: teardown waits for it, so nothing is created behind its back. */
  #inFlight: Promise<unknown> | undefined;

  constructor(id: string, context: DeploymentContext) {
    this.id = id;
    this.#context = context;
    this.#names = bridgeObjectNames(id);
  }

  /** True once Janus stopped, the Pod failed or was deleted. */
  get ended(): boolean {
    return this.#ended;
  }

  get account(): BridgeBrokerAccount | undefined {
    return this.#account;
  }

  /** Called once when the Pod ends on its own after being ready (not during teardown). */
  onEnded(handler: (exitCode: number | null, detail: string) => void): void {
    this.#endHandlers.push(handler);
  }

  /** Creates the objects and resolves with the Pod's addresses once it is ready. */
  async create(apiSecret: string): Promise<{ podIP: string; hostIP: string }> {
    const { settings, core, network } = this.#context;
    const { namespace } = settings;
    let api: BridgeApiAccess;
    if (settings.broker) {
      const { createAccount, host, port, peer } = settings.broker;
      this.#account = await createAccount(this.id).catch((error: unknown) => {
        // Not the error itself: a failed rabbitmqctl's message holds its command line, password included.
        const stderr = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr).trim().slice(0, 300) : '';
        throw new BridgeLaunchError('start_failed', `could not create the broker account of bridge ${this.id}${stderr ? `: ${stderr}` : ''}`);
      });
      api = { kind: 'rabbitmq', host, port, peer, account: this.#account };
    } else {
      api = { kind: 'websocket', port: settings.apiPort, controllers: settings.controllers };
    }
    const base = { id: this.id, launcherId: this.#context.launcherId, namespace, image: settings.image, apiSecret, resources: settings.resources, api, ...(settings.publicAddress ? { publicAddress: settings.publicAddress } : {}) };
    const { uid, rtpPorts } = await this.#createService(base);
    const spec: BridgeObjectsSpec = { ...base, rtpPorts, owner: { name: this.#names.service, uid } };
    await this.#create('NetworkPolicy', this.#names.networkPolicy, () => network.createNamespacedNetworkPolicy({ namespace, body: clientModel(bridgeNetworkPolicy(spec)), fieldValidation: 'Strict' }));
    await this.#create('Secret', this.#names.secret, () => core.createNamespacedSecret({ namespace, body: clientModel(bridgeSecret(spec)), fieldValidation: 'Strict' }));
    const ready = new Promise<{ podIP: string; hostIP: string }>((resolve, reject) => (this.#ready = { resolve, reject }));
    // It may fail while the Pod is still being created, before anything awaits it.
    ready.catch(() => undefined);
    // Observed before it exists, so that no change is missed.
    this.#unobserve = this.#context.pods.observe(this.#names.pod, (pod) => this.#observe(pod));
    await this.#create('Pod', this.#names.pod, () => core.createNamespacedPod({ namespace, body: clientModel(bridgePod(spec)), fieldValidation: 'Strict' }));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const seconds = settings.readyTimeoutMs / 1000;
        const problem = this.#context.pods.problem;
        const why = `last seen: ${this.#lastSeen}${problem ? `; watching pods failed: ${problem}` : ''}`;
        reject(new BridgeLaunchError('start_timeout', `pod ${this.#names.pod} in namespace ${namespace} was not ready within ${seconds} s (${why})`));
      }, settings.readyTimeoutMs);
    });
    try {
      return await Promise.race([ready, timeout]);
    } finally {
      clearTimeout(timer);
      this.#ready = undefined;
    }
  }

  /** Deletes the Pod (and waits until it is gone), then the other objects and the broker account. Idempotent. */
  teardown(): Promise<void> {
    this.#tearingDown ??= this.#deleteAll();
    return this.#tearingDown;
  }

  async #createService(base: Omit<BridgeObjectsSpec, 'rtpPorts'>): Promise<{ uid: string; rtpPorts: [number, number] }> {
    const { core, ports, settings } = this.#context;
    const takenElsewhere = new Set<number>();
    for (let attempt = 0; attempt < portAttempts; attempt++) {
      const free = ports.take(takenElsewhere);
      if (!free) break;
      this.#block = free.block;
      try {
        const body = clientModel(bridgeService({ ...base, rtpPorts: free.ports }));
        const service = await this.#create('Service', this.#names.service, () => core.createNamespacedService({ namespace: settings.namespace, body, fieldValidation: 'Strict' }), isNodePortTaken);
        const uid = service.metadata?.uid;
        if (!uid) throw new BridgeLaunchError('start_failed', `the API server returned Service ${this.#names.service} without a uid`);
        return { uid, rtpPorts: free.ports };
      } catch (error) {
        // Another controller's bridge holds those node ports: try another block.
        if (!isNodePortTaken(error)) throw error;
        ports.release(free.block);
        this.#block = undefined;
        takenElsewhere.add(free.block);
      }
    }
    throw new BridgeLaunchError('no_capacity', `no free block of UDP ports for the media of bridge ${this.id} (PLENUM_BRIDGE_K8S_RTP_PORTS is used up)`);
  }

  /** One create call: remembered before it is sent, failures explained with the API server's words. */
  async #create<T>(kind: Kind, name: string, call: () => Promise<T>, passThrough: (error: unknown) => boolean = () => false): Promise<T> {
    const { namespace, requestTimeoutMs } = this.#context.settings;
    if (this.#tearingDown) throw new BridgeLaunchError('closed', `bridge ${this.id} was stopped while starting`);
    this.#attempted.add(kind);
    const request = call();
    this.#inFlight = request.catch(() => undefined);
    try {
      return await withTimeout(request, requestTimeoutMs, `creating ${kind} ${name}`);
    } catch (error) {
      if (passThrough(error)) throw error;
      throw new BridgeLaunchError('start_failed', `could not create ${kind} ${name} in namespace ${namespace}: ${describeApiError(error)}`, { cause: error });
    }
  }

  #observe(pod: ObservedPod | undefined): void {
    if (!pod) {
      this.#gone = true;
      this.#wakeGone?.();
    }
    const state = podState(pod);
    if (state.kind === 'pending') {
      this.#lastSeen = state.detail;
    } else if (state.kind === 'ready') {
      this.#ready?.resolve(state);
    } else if (!this.#ended) {
      this.#ended = true;
      const { namespace } = this.#context.settings;
      if (this.#ready) {
        this.#ready.reject(new BridgeLaunchError('start_failed', `pod ${this.#names.pod} in namespace ${namespace} did not start: ${state.detail}`));
      } else if (!this.#tearingDown) {
        const exitCode = state.kind === 'ended' ? state.exitCode : null;
        for (const handler of this.#endHandlers) handler(exitCode, state.detail);
      }
    }
  }

  async #deleteAll(): Promise<void> {
    const { core, network, settings } = this.#context;
    const { namespace } = settings;
    const leftovers: string[] = [];
    // A create that timed out may still land; wait for its answer (the client has no cancel).
    await withTimeout(this.#inFlight ?? Promise.resolve(), settings.requestTimeoutMs, 'waiting for a create request').catch(() => undefined);
    /** True when the object is deleted or being deleted (or was never made). */
    const remove = async (kind: Kind, name: string, call: () => Promise<unknown>): Promise<boolean> => {
      if (!this.#attempted.has(kind)) return true;
      try {
        await withTimeout(call(), settings.requestTimeoutMs, `deleting ${kind} ${name}`);
        return true;
      } catch (error) {
        if (isNotFound(error)) return true;
        leftovers.push(`${kind} ${name}: ${describeApiError(error)}`);
        return false;
      }
    };
    // The Pod first: the media stops, and its memory-backed volumes go with it.
    const podDeleting = await remove('Pod', this.#names.pod, () => core.deleteNamespacedPod({ name: this.#names.pod, namespace }));
    if (this.#attempted.has('Pod') && podDeleting && !(await this.#waitGone())) leftovers.push(`Pod ${this.#names.pod}: still there after ${settings.deleteTimeoutMs} ms`);
    this.#unobserve?.();
    await remove('Secret', this.#names.secret, () => core.deleteNamespacedSecret({ name: this.#names.secret, namespace }));
    await remove('NetworkPolicy', this.#names.networkPolicy, () => network.deleteNamespacedNetworkPolicy({ name: this.#names.networkPolicy, namespace }));
    await remove('Service', this.#names.service, () => core.deleteNamespacedService({ name: this.#names.service, namespace }));
    if (this.#block !== undefined) this.#context.ports.release(this.#block);
    await this.#account?.remove().catch((error: unknown) => leftovers.push(`broker account: ${describeApiError(error)}`));
    if (leftovers.length > 0) {
      this.#context.onError(
        new Error(`bridge ${this.id} may have left objects in namespace ${namespace} (kubectl delete pod,secret,networkpolicy,service -l plenum/bridge-id=${this.id}): ${leftovers.join('; ')}`),
      );
    }
  }

  /** Resolves true once the Pod is gone: told by the watch, or checked by reading it. */
  async #waitGone(): Promise<boolean> {
    const { core, settings } = this.#context;
    const deadline = Date.now() + settings.deleteTimeoutMs;
    while (!this.#gone && Date.now() < deadline) {
      try {
        await withTimeout(core.readNamespacedPod({ name: this.#names.pod, namespace: settings.namespace }), settings.requestTimeoutMs, 'reading the pod');
      } catch (error) {
        if (isNotFound(error)) return true;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(1000, Math.max(0, deadline - Date.now())));
        this.#wakeGone = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wakeGone = undefined;
    }
    return this.#gone;
  }
}
