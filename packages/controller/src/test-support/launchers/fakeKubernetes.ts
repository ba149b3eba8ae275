import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startBrokerRelay } from '../../bridge/launchers/shared/brokerAccess.js';
import { waitForPort } from '../../bridge/launchers/shared/launchSupport.js';
import { addressesFor, createNamespace, deleteNamespace, drainNamespace, hostAddresses, namespacePids, type NamespaceNetwork } from '../../bridge/launchers/shared/networkNamespace.js';
import { addTestAddress, type TestAddress } from '../testAddress.js';

/** An object as the fake API server stores it. */
export type Json = Record<string, unknown> & {
  metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string>; creationTimestamp?: string; deletionTimestamp?: string };
};
export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  at: number;
}
interface Watcher {
  namespace: string;
  selector: Record<string, string>;
  response: ServerResponse;
}

/** The bearer token the fake API server wants. */
export const fakeToken = 'test-token-for-the-fake-api';
const collections: Record<string, string> = { services: 'Service', secrets: 'Secret', pods: 'Pod', networkpolicies: 'NetworkPolicy' };

/** The status a kubelet reports for a running, ready Pod when no `FakeKubelet` runs them (addresses nothing sends to). */
export const runningReady = {
  phase: 'Running',
  podIP: '10.244.1.17',
  hostIP: '203.0.113.10',
  conditions: [
    { type: 'PodScheduled', status: 'True' },
    { type: 'Ready', status: 'True' },
  ],
  containerStatuses: [{ name: 'janus', ready: true, state: { running: {} } }],
};

/**
 * A local stand-in for the Kubernetes API server, for checking a launcher's requests: it
 * speaks HTTPS with a certificate of its own, wants the bearer token, stores what is created,
 * answers create/get/list/watch/delete like the API server (Status bodies on errors, node port
 * allocation, graceful Pod deletion, watch replay from a resource version). It is not a
 * cluster: without a `kubelet`, no Pod runs (tests set Pod statuses themselves, or have them
 * become ready after `autoReadyMs`); with one, its Pods run Janus on this machine.
 */
export class FakeApiServer {
  readonly requests: Recorded[] = [];
  readonly objects = new Map<string, Json>();
  readonly #events: { rv: number; type: string; object: Json }[] = [];
  readonly #watchers = new Set<Watcher>();
  readonly failures: { method: string; pathEnd: string; code: number; reason: string; message: string }[] = [];
  #rv = 1;
  /** Pods become Running and Ready this long after they are created; undefined: never by themselves. Unused with a kubelet. */
  autoReadyMs: number | undefined = 20;
  /** Runs the Pods when set: see `FakeKubelet`. */
  kubelet: FakeKubelet | undefined;
  readonly #server: Server;
  readonly #tlsDir: string;
  readonly url: string;
  /** The server certificate, which is also its CA. */
  readonly caCert: Buffer;

  private constructor(server: Server, url: string, caCert: Buffer, tlsDir: string) {
    this.#server = server;
    this.url = url;
    this.caCert = caCert;
    this.#tlsDir = tlsDir;
  }

  /** Listens on 127.0.0.1 with a fresh self-signed certificate. */
  static async start(): Promise<FakeApiServer> {
    const tlsDir = mkdtempSync(path.join(tmpdir(), 'plenum-fake-k8s-'));
    const [keyFile, certFile] = [path.join(tlsDir, 'key.pem'), path.join(tlsDir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const cert = readFileSync(certFile);
    const started: { fake?: FakeApiServer } = {};
    const server = createServer({ cert, key: readFileSync(keyFile) }, (request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => started.fake?.handle(request.method ?? 'GET', new URL(request.url ?? '/', 'https://fake'), request.headers.authorization, body, response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    started.fake = new FakeApiServer(server, `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, cert, tlsDir);
    return started.fake;
  }

  /** A client configuration for this server with the right token, in `namespace`. */
  kubeConfig(namespace: string): KubeConfig {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, caData: this.caCert.toString('base64') }],
      users: [{ name: 'controller', token: fakeToken }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'controller', namespace }],
      currentContext: 'fake',
    });
    return config;
  }

  async close(): Promise<void> {
    for (const watcher of this.#watchers) watcher.response.end();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
    rmSync(this.#tlsDir, { recursive: true, force: true });
  }

  /** The next request whose path ends with `pathEnd` (`/secrets`: create or list, not read) fails so. */
  failNext(method: string, pathEnd: string, code: number, reason: string, message: string): void {
    this.failures.push({ method, pathEnd, code, reason, message });
  }

  of(collection: string): Json[] {
    return [...this.objects.entries()].filter(([key]) => key.startsWith(`${collection}/`)).map(([, object]) => object);
  }

  creates(): Recorded[] {
    return this.requests.filter((request) => request.method === 'POST');
  }

  /** What a kubelet would report: replaces the Pod's status and tells the watchers. */
  setPodStatus(namespace: string, name: string, status: Record<string, unknown>): void {
    const pod = this.objects.get(`pods/${namespace}/${name}`);
    if (!pod) throw new Error(`no pod ${name}`);
    pod.status = status;
    this.#emit('MODIFIED', pod);
  }

  /** Ends every watch stream, as the API server does after its watch timeout. */
  endWatches(): number {
    const count = this.#watchers.size;
    for (const watcher of this.#watchers) watcher.response.end();
    this.#watchers.clear();
    return count;
  }

  /** Someone else (an operator, an eviction) deletes the Pod. */
  deletePod(namespace: string, name: string): void {
    const pod = this.objects.get(`pods/${namespace}/${name}`);
    if (pod) this.#remove(`pods/${namespace}/${name}`, pod);
  }

  #emit(type: string, object: Json): void {
    const rv = this.#rv++;
    object.metadata = { ...object.metadata, resourceVersion: String(rv) } as Json['metadata'];
    const event = { rv, type, object: structuredClone(object) };
    this.#events.push(event);
    for (const watcher of this.#watchers) this.#send(watcher, event);
  }

  #send(watcher: Watcher, event: { type: string; object: Json }): void {
    const { metadata } = event.object;
    const matches = Object.entries(watcher.selector).every(([key, value]) => metadata.labels?.[key] === value);
    if (metadata.namespace === watcher.namespace && event.object.kind === 'Pod' && matches) watcher.response.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
  }

  #remove(key: string, object: Json): void {
    this.objects.delete(key);
    this.#emit('DELETED', object);
  }

  #reply(response: ServerResponse, code: number, body: unknown): void {
    response.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  #status(response: ServerResponse, code: number, reason: string, message: string): void {
    this.#reply(response, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  }

  /** @internal One request, as the HTTPS server received it. */
  handle(method: string, url: URL, authorization: string | undefined, text: string, response: ServerResponse): void {
    const body: unknown = text ? JSON.parse(text) : undefined;
    this.requests.push({ method, path: url.pathname, query: url.searchParams, body, at: Date.now() });
    if (authorization !== `Bearer ${fakeToken}`) return this.#status(response, 401, 'Unauthorized', 'Unauthorized');
    const match = /^\/(?:api\/v1|apis\/networking\.k8s\.io\/v1)\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+))?$/.exec(url.pathname);
    const [, namespace = '', collection = '', name] = match ?? [];
    const kind = collections[collection];
    if (!kind) return this.#status(response, 404, 'NotFound', 'the server could not find the requested resource');
    const failure = this.failures.findIndex((f) => f.method === method && url.pathname.endsWith(f.pathEnd));
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1);
      return this.#status(response, f!.code, f!.reason, f!.message);
    }
    const key = `${collection}/${namespace}/${name ?? ''}`;
    if (method === 'POST') return this.#create(response, collection, kind, namespace, body as Json);
    if (method === 'GET' && name) {
      const object = this.objects.get(key);
      return object ? this.#reply(response, 200, object) : this.#status(response, 404, 'NotFound', `${collection} "${name}" not found`);
    }
    if (method === 'GET' && url.searchParams.get('watch') === 'true') return this.#watch(response, namespace, url.searchParams);
    if (method === 'GET') {
      const items = this.of(collection).filter((object) => object.metadata.namespace === namespace);
      return this.#reply(response, 200, { apiVersion: 'v1', kind: `${kind}List`, metadata: { resourceVersion: String(this.#rv - 1) }, items });
    }
    if (method === 'DELETE' && name) {
      const object = this.objects.get(key);
      if (!object) return this.#status(response, 404, 'NotFound', `${collection} "${name}" not found`);
      if (kind !== 'Pod') {
        this.#remove(key, object);
        return this.#reply(response, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, kind: collection } });
      }
      // Graceful: marked for deletion first, gone once the "kubelet" has stopped it.
      object.metadata.deletionTimestamp = new Date().toISOString();
      this.#emit('MODIFIED', object);
      const stopped = this.kubelet ? this.kubelet.stop(namespace, name) : new Promise((resolve) => setTimeout(resolve, 100));
      void stopped.then(() => this.objects.get(key) === object && this.#remove(key, object));
      return this.#reply(response, 200, object);
    }
    this.#status(response, 405, 'MethodNotAllowed', 'not supported by this fake');
  }

  #create(response: ServerResponse, collection: string, kind: string, namespace: string, body: Json): void {
    const name = body.metadata.name;
    const key = `${collection}/${namespace}/${name}`;
    if (this.objects.has(key)) return this.#status(response, 409, 'AlreadyExists', `${collection} "${name}" already exists`);
    if (kind === 'Service') {
      const taken = new Set(this.of('services').flatMap((service) => (service.spec as { ports: { nodePort: number }[] }).ports.map((port) => port.nodePort)));
      const clash = (body.spec as { ports: { nodePort: number }[] }).ports.find((port) => taken.has(port.nodePort));
      if (clash) return this.#status(response, 422, 'Invalid', `Service "${name}" is invalid: spec.ports[0].nodePort: Invalid value: ${clash.nodePort}: provided port is already allocated`);
    }
    const object = structuredClone(body);
    object.metadata = { ...object.metadata, namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString() };
    if (kind === 'Pod') object.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] };
    this.objects.set(key, object);
    this.#emit('ADDED', object);
    this.#reply(response, 201, object);
    if (kind !== 'Pod') return;
    const report = (status: Record<string, unknown>) => {
      if (this.objects.get(key) === object && !object.metadata.deletionTimestamp) this.setPodStatus(namespace, name, status);
    };
    if (this.kubelet) this.kubelet.run(object, (secretName) => this.objects.get(`secrets/${namespace}/${secretName}`), report);
    else if (this.autoReadyMs !== undefined) setTimeout(() => report(runningReady), this.autoReadyMs);
  }

  #watch(response: ServerResponse, namespace: string, query: URLSearchParams): void {
    const pairs = (query.get('labelSelector') ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair): [string, string] => [pair.split('=')[0]!, pair.split('=')[1] ?? '']);
    const selector: Record<string, string> = Object.fromEntries(pairs);
    const watcher: Watcher = { namespace, selector, response };
    response.writeHead(200, { 'content-type': 'application/json' });
    const since = Number(query.get('resourceVersion') ?? this.#rv);
    for (const event of this.#events.filter((e) => e.rv > since)) this.#send(watcher, event);
    this.#watchers.add(watcher);
    response.on('close', () => this.#watchers.delete(watcher));
  }
}

/** The parts of a Pod the fake kubelet reads (as `bridgePod` writes them). */
interface PodSpec {
  securityContext?: { runAsUser?: number; runAsGroup?: number; fsGroup?: number };
  volumes?: { name: string; emptyDir?: object; secret?: { secretName: string; defaultMode?: number } }[];
  containers: {
    command?: string[];
    args?: string[];
    env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
    securityContext?: { runAsUser?: number; runAsGroup?: number };
    volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
    readinessProbe?: { tcpSocket?: { port: number } };
  }[];
}

/** One Pod running here: its network namespace, its files, its container's process. */
interface PodSandbox {
  network: NamespaceNetwork;
  slot: number;
  dir: string;
  child: ChildProcess;
  exited: Promise<void>;
  stopping: boolean;
}

/** Signal number of a signal name (a container killed by signal N exits with 128 + N). */
function signalNumber(signal: NodeJS.Signals): number {
  return (constants.signals as Record<string, number | undefined>)[signal] ?? 0;
}

/**
 * A kubelet for `FakeApiServer`: runs each Pod's container command (the bridge Pod's start
 * script and Janus, which is the host's Debian package as in the image) the way a kubelet
 * would: in a network namespace of its own with a Pod address from 198.18.0.0/15, its
 * Secret's files mounted read-only with their mode and fsGroup, emptyDirs as tmpfs, a
 * read-only root, the Pod's user, no capabilities, the downward API resolved (`status.podIP`,
 * `status.hostIP`: the node's address). It reports Running and Ready once the readiness
 * probe's port answers (at once without a probe), Failed or Succeeded with the exit code when
 * the container ends, and stops the container when the Pod is deleted. The node has one
 * address on this machine; `brokerPort` relays RabbitMQ there for Pods.
 */
export class FakeKubelet {
  readonly #node: TestAddress;
  readonly #pods = new Map<string, PodSandbox>();
  readonly #slots = new Set<number>();
  #relay: Promise<{ port: number; close(): Promise<void> }> | undefined;

  private constructor(node: TestAddress) {
    this.#node = node;
  }

  static async start(): Promise<FakeKubelet> {
    const slot = await freeSlot(new Set());
    return new FakeKubelet(await addTestAddress(`plnode${randomBytes(3).toString('hex')}`, addressesFor(slot).host));
  }

  /** The node's address: `status.hostIP` of every Pod. */
  get nodeAddress(): string {
    return this.#node.address;
  }

  /** A port on the node's address that leads to the RabbitMQ at `amqpUrl` (one relay per kubelet). */
  async brokerPort(amqpUrl: string): Promise<number> {
    this.#relay ??= startBrokerRelay(this.#node.address, amqpUrl);
    return (await this.#relay).port;
  }

  /** What of Pod `namespace/name` runs here: its processes and its network namespace. */
  async leftovers(namespace: string, name: string): Promise<{ processes: string[]; network: string[] }> {
    const pod = this.#pods.get(`${namespace}/${name}`);
    if (!pod) return { processes: [], network: [] };
    return { processes: (await namespacePids(pod.network.name)).map(String), network: [pod.network.name] };
  }

  /** Kills everything in the Pod with SIGKILL, as an out-of-memory kill or a crash would end it. */
  async kill(namespace: string, name: string): Promise<void> {
    const pod = this.#pods.get(`${namespace}/${name}`);
    if (!pod) throw new Error(`no pod ${namespace}/${name} runs`);
    for (const pid of await namespacePids(pod.network.name)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone with its parent already.
      }
    }
  }

  /** @internal Starts Pod `pod` (its Secret looked up by name); `report` sets its status. */
  run(pod: Json, secretNamed: (name: string) => Json | undefined, report: (status: Record<string, unknown>) => void): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    this.#start(key, pod, secretNamed, report).catch((error: unknown) => {
      report({
        phase: 'Failed',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [{ name: 'janus', ready: false, state: { terminated: { exitCode: 128, reason: 'StartError', message: String(error) } } }],
      });
    });
  }

  /** @internal Stops the Pod's container (SIGTERM, SIGKILL after 5 s) and removes its sandbox. */
  async stop(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const pod = this.#pods.get(key);
    if (!pod) return;
    pod.stopping = true;
    if (pod.child.exitCode === null && pod.child.signalCode === null) {
      pod.child.kill('SIGTERM');
      const killer = setTimeout(() => pod.child.kill('SIGKILL'), 5000);
      await pod.exited;
      clearTimeout(killer);
    }
    await this.#remove(key, pod);
  }

  /** Stops every Pod, the broker relay, and removes the node's address. */
  async close(): Promise<void> {
    await Promise.all([...this.#pods.keys()].map((key) => this.stop(...(key.split('/') as [string, string]))));
    await (await this.#relay?.catch(() => undefined))?.close();
    await this.#node.remove();
  }

  async #start(key: string, pod: Json, secretNamed: (name: string) => Json | undefined, report: (status: Record<string, unknown>) => void): Promise<void> {
    const spec = pod.spec as PodSpec;
    const container = spec.containers[0];
    if (!container?.command) throw new Error('the fake kubelet runs one container with a command');
    const slot = await freeSlot(this.#slots);
    this.#slots.add(slot);
    const dir = mkdtempSync(path.join(tmpdir(), 'plenum-fake-pod-'));
    chmodSync(dir, 0o755);
    let network: NamespaceNetwork;
    try {
      network = await createNamespace(`k8s${randomBytes(4).toString('hex').slice(0, 7)}`, slot, { routed: true });
    } catch (error) {
      this.#slots.delete(slot);
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    const podIP = network.address;
    const hostIP = this.#node.address;
    const uid = String(container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser ?? 65534);
    const gid = String(container.securityContext?.runAsGroup ?? spec.securityContext?.runAsGroup ?? uid);
    const fsGroup = spec.securityContext?.fsGroup;
    const mounts: string[] = ['--tmpfs', '/run'];
    for (const mount of container.volumeMounts ?? []) {
      const volume = spec.volumes?.find((candidate) => candidate.name === mount.name);
      if (volume?.emptyDir) {
        mounts.push('--tmpfs', mount.mountPath);
      } else if (volume?.secret) {
        const secret = secretNamed(volume.secret.secretName);
        if (!secret) throw new Error(`secret ${volume.secret.secretName} not found`);
        const secretDir = path.join(dir, mount.name);
        mkdirSync(secretDir, { mode: 0o755 });
        for (const [name, value] of Object.entries((secret.data ?? {}) as Record<string, string>)) {
          const file = path.join(secretDir, name);
          writeFileSync(file, Buffer.from(value, 'base64'));
          chmodSync(file, volume.secret.defaultMode ?? 0o644);
          if (fsGroup !== undefined) chownSync(file, 0, fsGroup);
        }
        mounts.push(mount.readOnly ? '--ro-bind' : '--bind', secretDir, mount.mountPath);
      } else {
        throw new Error(`volume ${mount.name} of a kind the fake kubelet cannot mount`);
      }
    }
    const env: string[] = [];
    const fields: Record<string, string> = { 'status.podIP': podIP, 'status.hostIP': hostIP };
    for (const variable of container.env ?? []) {
      const value = variable.value ?? fields[variable.valueFrom?.fieldRef?.fieldPath ?? ''];
      if (value === undefined) throw new Error(`env ${variable.name} of a kind the fake kubelet cannot resolve`);
      env.push('--setenv', variable.name, value);
    }
    const child = spawn(
      'ip',
      [
        'netns', 'exec', network.name,
        'setpriv', `--reuid=${uid}`, `--regid=${gid}`, `--groups=${String(fsGroup ?? gid)}`, '--inh-caps=-all', '--bounding-set=-all',
        'bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', ...mounts, '--clearenv', '--setenv', 'PATH', '/usr/sbin:/usr/bin:/sbin:/bin', ...env,
        '--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--cap-drop', 'ALL', '--die-with-parent', '--new-session',
        ...container.command, ...(container.args ?? []),
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const sandbox: PodSandbox = { network, slot, dir, child, exited, stopping: false };
    this.#pods.set(key, sandbox);
    child.once('exit', (code, signal) => {
      if (sandbox.stopping) return;
      const exitCode = code ?? 128 + (signal ? signalNumber(signal) : 0);
      report({
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        podIP,
        hostIP,
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [{ name: 'janus', ready: false, state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } } }],
      });
    });
    const probePort = container.readinessProbe?.tcpSocket?.port;
    if (probePort !== undefined) await waitForPort(podIP, probePort, 15_000, () => child.exitCode !== null || child.signalCode !== null);
    report({
      phase: 'Running',
      podIP,
      hostIP,
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
      containerStatuses: [{ name: 'janus', ready: true, state: { running: {} } }],
    });
  }

  async #remove(key: string, pod: PodSandbox): Promise<void> {
    await drainNamespace(pod.network.name, { gentle: false });
    await deleteNamespace(pod.network);
    rmSync(pod.dir, { recursive: true, force: true });
    this.#slots.delete(pod.slot);
    this.#pods.delete(key);
  }
}

/**
 * A /30 of 198.18.0.0/15 that no interface uses, above the slots launchers take (they use the
 * first 400) and below the last (`testMediaAddress`), starting at random so parallel test
 * files rarely meet.
 */
async function freeSlot(taken: ReadonlySet<number>): Promise<number> {
  const inUse = await hostAddresses();
  const first = 1_000;
  const count = 32_767 - first;
  const start = Math.floor(Math.random() * count);
  for (let i = 0; i < count; i++) {
    const slot = first + ((start + i) % count);
    if (!taken.has(slot) && !inUse.has(addressesFor(slot).host)) return slot;
  }
  throw new Error('no free address slot for a fake Pod');
}
