import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesLauncher, type KubernetesLauncher, type KubernetesLauncherOptions } from './kubernetesLauncher.js';
import { bridgeNetworkPolicy, bridgePod, bridgeSecret, bridgeService, type BridgeObjectsSpec } from './objects.js';
import { BridgeLaunchError, type Bridge } from '../../launcher.js';

/**
 * A local stand-in for the Kubernetes API server, for checking the launcher's requests: it
 * speaks HTTPS with a certificate of its own, wants the bearer token, stores what is created,
 * answers create/get/list/watch/delete like the API server (Status bodies on errors, node port
 * allocation, graceful Pod deletion, watch replay from a resource version). It is not a
 * cluster: no kubelet runs Pods; tests set Pod statuses themselves.
 */
type Json = Record<string, unknown> & { metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string>; creationTimestamp?: string; deletionTimestamp?: string } };
interface Recorded { method: string; path: string; query: URLSearchParams; body: unknown; at: number }
interface Watcher { namespace: string; selector: Record<string, string>; response: ServerResponse }

const token = 'test-token-for-the-fake-api';
const collections: Record<string, string> = { services: 'Service', secrets: 'Secret', pods: 'Pod', networkpolicies: 'NetworkPolicy' };

class FakeApiServer {
  readonly requests: Recorded[] = [];
  readonly objects = new Map<string, Json>();
  readonly #events: { rv: number; type: string; object: Json }[] = [];
  readonly #watchers = new Set<Watcher>();
  readonly failures: { method: string; pathEnd: string; code: number; reason: string; message: string }[] = [];
  #rv = 1;
  /** Pods become Running and Ready this long after they are created; undefined: never by themselves. */
  autoReadyMs: number | undefined = 20;
  server!: Server;
  url = '';

  async start(cert: Buffer, key: Buffer): Promise<void> {
    this.server = createServer({ cert, key }, (request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => this.#handle(request.method ?? 'GET', new URL(request.url ?? '/', 'https://fake'), request.headers.authorization, body, response));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async close(): Promise<void> {
    for (const watcher of this.#watchers) watcher.response.end();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
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

  #handle(method: string, url: URL, authorization: string | undefined, text: string, response: ServerResponse): void {
    const body: unknown = text ? JSON.parse(text) : undefined;
    this.requests.push({ method, path: url.pathname, query: url.searchParams, body, at: Date.now() });
    if (authorization !== `Bearer ${token}`) return this.#status(response, 401, 'Unauthorized', 'Unauthorized');
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
      setTimeout(() => this.objects.get(key) === object && this.#remove(key, object), 100);
      return this.#reply(response, 200, object);
    }
    this.#status(response, 405, 'MethodNotAllowed', 'not supported by this fake');
  }

  #create(response: ServerResponse, collection: string, kind: string, namespace: string, body: Json): void {
    const name = body.metadata.name;
    const key = `${collection}/${namespace}/${name}`;
    if (this.objects.has(key)) return this.#status(response, 409, 'AlreadyExists', `${collection} "${name}" already exists`);
    if (kind === 'Service') {
      const taken = new Set(this.of('services').flatMap((service) => ((service.spec as { ports: { nodePort: number }[] }).ports).map((port) => port.nodePort)));
      const clash = (body.spec as { ports: { nodePort: number }[] }).ports.find((port) => taken.has(port.nodePort));
      if (clash) return this.#status(response, 422, 'Invalid', `Service "${name}" is invalid: spec.ports[0].nodePort: Invalid value: ${clash.nodePort}: provided port is already allocated`);
    }
    const object = structuredClone(body);
    object.metadata = { ...object.metadata, namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString() };
    if (kind === 'Pod') object.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] };
    this.objects.set(key, object);
    this.#emit('ADDED', object);
    this.#reply(response, 201, object);
    if (kind === 'Pod' && this.autoReadyMs !== undefined) {
      setTimeout(() => this.objects.get(key) === object && this.setPodStatus(namespace, name, runningReady), this.autoReadyMs);
    }
  }

  #watch(response: ServerResponse, namespace: string, query: URLSearchParams): void {
    const pairs = (query.get('labelSelector') ?? '').split(',').filter(Boolean).map((pair): [string, string] => [pair.split('=')[0]!, pair.split('=')[1] ?? '']);
    const selector: Record<string, string> = Object.fromEntries(pairs);
    const watcher: Watcher = { namespace, selector, response };
    response.writeHead(200, { 'content-type': 'application/json' });
    const since = Number(query.get('resourceVersion') ?? this.#rv);
    for (const event of this.#events.filter((e) => e.rv > since)) this.#send(watcher, event);
    this.#watchers.add(watcher);
    response.on('close', () => this.#watchers.delete(watcher));
  }
}

const runningReady = {
  phase: 'Running',
  podIP: '10.244.1.17',
  hostIP: '192.0.2.10',
  conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }],
  containerStatuses: [{ name: 'janus', ready: true, state: { running: {} } }],
};

const namespace = 'plenum-test';
const amqpUrl = 'amqp://guest:guest@127.0.0.1:5672';
const fake = new FakeApiServer();
let tlsDir = '';
let cert = Buffer.alloc(0);
const launchers: KubernetesLauncher[] = [];
/** Problems the launchers reported on the side (watch failures, leftovers): none expected. */
const reported: Error[] = [];

function kubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'fake', server: fake.url, caData: cert.toString('base64') }],
    users: [{ name: 'controller', token }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'controller', namespace }],
    currentContext: 'fake',
  });
  return config;
}

function launcher(options: KubernetesLauncherOptions = {}): KubernetesLauncher {
  const made = createKubernetesLauncher({ kubeConfig: kubeConfig(), readyTimeoutMs: 5000, deleteTimeoutMs: 5000, onError: (error) => reported.push(error), ...options });
  launchers.push(made);
  return made;
}

const newId = () => randomBytes(5).toString('hex');
const names = (id: string) => ({ pod: `plenum-bridge-${id}`, secret: `plenum-bridge-${id}-config`, service: `plenum-bridge-${id}-media`, networkPolicy: `plenum-bridge-${id}` });
const objectsOf = (id: string) => [...fake.objects.values()].filter((object) => object.metadata.labels?.['plenum/bridge-id'] === id);

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  tlsDir = mkdtempSync(path.join(tmpdir(), 'plenum-fake-k8s-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(tlsDir, 'key.pem'), '-out', path.join(tlsDir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  cert = readFileSync(path.join(tlsDir, 'cert.pem'));
  await fake.start(cert, readFileSync(path.join(tlsDir, 'key.pem')));
});

afterEach(async () => {
  await Promise.all(launchers.splice(0).map((made) => made.close()));
  fake.autoReadyMs = 20;
  fake.failures.length = 0;
  expect(reported.splice(0)).toEqual([]);
});

afterAll(async () => {
  await fake.close();
  rmSync(tlsDir, { recursive: true, force: true });
});

describe('KubernetesLauncher against a fake API server', () => {
  it('creates Service, NetworkPolicy, Secret and Pod in its namespace, exactly as rendered, and waits for Ready', async () => {
    fake.autoReadyMs = undefined;
    const made = launcher();
    const id = newId();
    const before = fake.requests.length;
    let resolved = false;
    const launching = made.launch({ id, apiSecret: 'the-api-secret' }).then((bridge) => ((resolved = true), bridge));
    await until(() => fake.objects.has(`pods/${namespace}/${names(id).pod}`), 'the pod');
    fake.setPodStatus(namespace, names(id).pod, { ...runningReady, conditions: [{ type: 'Ready', status: 'False' }] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(resolved).toBe(false);
    fake.setPodStatus(namespace, names(id).pod, runningReady);
    const bridge = await launching;

    const creates = fake.creates().filter((request) => fake.requests.indexOf(request) >= before);
    expect(creates.map((request) => request.path)).toEqual([
      `/api/v1/namespaces/${namespace}/services`,
      `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`,
      `/api/v1/namespaces/${namespace}/secrets`,
      `/api/v1/namespaces/${namespace}/pods`,
    ]);
    for (const request of creates) expect(request.query.get('fieldValidation')).toBe('Strict');
    // What reached the server is what kubernetesObjects rendered: the client dropped nothing.
    const [service, policy, secret, pod] = creates.map((request) => request.body) as Json[];
    const servicePorts = (service!.spec as { ports: { port: number }[] }).ports.map((port) => port.port);
    const spec: BridgeObjectsSpec = {
      id,
      launcherId: pod!.metadata.labels!['plenum/launcher']!,
      namespace,
      image: 'plenum-janus:1.1.2',
      apiSecret: 'the-api-secret',
      rtpPorts: [servicePorts[0]!, servicePorts.at(-1)!],
      resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
      api: { kind: 'websocket', port: 8188, controllers: { namespace, podLabels: { 'app.kubernetes.io/name': 'plenum', 'app.kubernetes.io/component': 'controller' } } },
    };
    expect(service).toEqual(bridgeService(spec));
    const owned = { ...spec, owner: { name: names(id).service, uid: fake.objects.get(`services/${namespace}/${names(id).service}`)!.metadata.uid } };
    expect(policy).toEqual(bridgeNetworkPolicy(owned));
    expect(secret).toEqual(bridgeSecret(owned));
    expect(pod).toEqual(bridgePod(owned));
    expect(servicePorts).toHaveLength(100);
    expect(servicePorts[0]! >= 30000 && servicePorts.at(-1)! <= 32767).toBe(true);

    expect(bridge.api).toEqual({ kind: 'websocket', url: 'ws://10.244.1.17:8188' });
    expect(bridge.mediaAddress).toBe('192.0.2.10');
    expect(made.namespace).toBe(namespace);
  });

  it('close() deletes the Pod, waits until it is gone, then deletes the rest', async () => {
    const made = launcher({ publicAddress: '203.0.113.9' });
    const id = newId();
    const bridge = await made.launch({ id, apiSecret: 's' });
    expect(bridge.mediaAddress).toBe('203.0.113.9');
    expect(objectsOf(id)).toHaveLength(4);
    const exits: unknown[] = [];
    bridge.onExit((code) => exits.push(code));
    const before = fake.requests.length;
    await bridge.close();
    expect(bridge.closed).toBe(true);
    expect(objectsOf(id)).toEqual([]);
    const deletes = fake.requests.slice(before).filter((request) => request.method === 'DELETE');
    expect(deletes.map((request) => request.path)).toEqual([
      `/api/v1/namespaces/${namespace}/pods/${names(id).pod}`,
      `/api/v1/namespaces/${namespace}/secrets/${names(id).secret}`,
      `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/${names(id).networkPolicy}`,
      `/api/v1/namespaces/${namespace}/services/${names(id).service}`,
    ]);
    // The fake removes a deleted Pod 100 ms later; the Secret went only after that.
    expect(deletes[1]!.at - deletes[0]!.at).toBeGreaterThanOrEqual(90);
    await bridge.close();
    expect(exits).toEqual([]);
  });

  it('reports a Pod that fails, with its exit code, and one deleted by someone else', async () => {
    const made = launcher();
    const [failing, deleted] = await Promise.all([made.launch({ id: newId(), apiSecret: 's' }), made.launch({ id: newId(), apiSecret: 's' })]);
    const exited = (bridge: Bridge) => new Promise<[number | null, NodeJS.Signals | null]>((resolve) => bridge.onExit((code, signal) => resolve([code, signal])));
    const failed = exited(failing);
    fake.setPodStatus(namespace, names(failing.id).pod, {
      ...runningReady,
      phase: 'Failed',
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ name: 'janus', ready: false, state: { terminated: { exitCode: 139, reason: 'Error', message: 'Segmentation fault' } } }],
    });
    expect(await failed).toEqual([139, null]);
    const gone = exited(deleted);
    fake.deletePod(namespace, names(deleted.id).pod);
    expect(await gone).toEqual([null, null]);
    // The registry then closes them: the rest is deleted.
    await Promise.all([failing.close(), deleted.close()]);
    expect([...objectsOf(failing.id), ...objectsOf(deleted.id)]).toEqual([]);
  });

  it('keeps following its Pods when the API server ends the watch', async () => {
    const made = launcher();
    const bridge = await made.launch({ id: newId(), apiSecret: 's' });
    const watchesBefore = fake.requests.filter((request) => request.query.get('watch') === 'true').length;
    expect(fake.endWatches()).toBe(1);
    await until(() => fake.requests.filter((request) => request.query.get('watch') === 'true').length > watchesBefore, 'a new watch');
    const exited = new Promise<number | null>((resolve) => bridge.onExit((code) => resolve(code)));
    fake.setPodStatus(namespace, names(bridge.id).pod, { phase: 'Failed', containerStatuses: [{ name: 'janus', state: { terminated: { exitCode: 1 } } }] });
    expect(await exited).toBe(1);
  });

  it('reports what close() could not delete, with the command that does', async () => {
    const made = launcher();
    const id = newId();
    const bridge = await made.launch({ id, apiSecret: 's' });
    fake.failNext('DELETE', `/secrets/${names(id).secret}`, 403, 'Forbidden', 'secrets "x" is forbidden: cannot delete');
    await bridge.close();
    expect(objectsOf(id).map((object) => object.kind)).toEqual(['Secret']);
    expect(reported.splice(0).map((report) => report.message)).toEqual([
      `bridge ${id} may have left objects in namespace ${namespace} (kubectl delete pod,secret,networkpolicy,service -l plenum/bridge-id=${id}): Secret ${names(id).secret}: secrets "x" is forbidden: cannot delete (403 Forbidden)`,
    ]);
    fake.objects.delete(`secrets/${namespace}/${names(id).secret}`);
  });

  it('turns a refused create into a BridgeLaunchError with the API server\'s words, and removes what it had made', async () => {
    const made = launcher();
    const id = newId();
    fake.failNext('POST', '/secrets', 403, 'Forbidden', `secrets is forbidden: User "system:serviceaccount:plenum:controller" cannot create resource "secrets" in API group "" in the namespace "${namespace}"`);
    const error = await made.launch({ id, apiSecret: 's' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BridgeLaunchError);
    expect((error as Error).message).toBe(
      `could not create Secret ${names(id).secret} in namespace ${namespace}: secrets is forbidden: User "system:serviceaccount:plenum:controller" cannot create resource "secrets" in API group "" in the namespace "${namespace}" (403 Forbidden)`,
    );
    expect(objectsOf(id)).toEqual([]);
    const deleted = fake.requests.filter((request) => request.method === 'DELETE' && request.path.includes(id)).map((request) => request.path.split('/').at(-2));
    expect(deleted).toEqual(['secrets', 'networkpolicies', 'services']);
    expect(fake.requests.some((request) => request.method === 'POST' && request.path.endsWith('/pods') && (request.body as Json).metadata.name === names(id).pod)).toBe(false);
  });

  it('fails and cleans up when the Pod cannot start, or is not ready in time', async () => {
    fake.autoReadyMs = undefined;
    const made = launcher({ readyTimeoutMs: 1500 });
    const pulling = newId();
    const launching = made.launch({ id: pulling, apiSecret: 's' }).catch((e: unknown) => e);
    await until(() => fake.objects.has(`pods/${namespace}/${names(pulling).pod}`), 'the pod');
    fake.setPodStatus(namespace, names(pulling).pod, {
      phase: 'Pending',
      containerStatuses: [{ name: 'janus', ready: false, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "plenum-janus:1.1.2"' } } }],
    });
    const pullError = await launching;
    expect(pullError).toBeInstanceOf(BridgeLaunchError);
    expect((pullError as Error).message).toBe(`pod ${names(pulling).pod} in namespace ${namespace} did not start: ImagePullBackOff: Back-off pulling image "plenum-janus:1.1.2"`);
    expect(objectsOf(pulling)).toEqual([]);

    const slow = newId();
    const slowError = await made.launch({ id: slow, apiSecret: 's' }).catch((e: unknown) => e);
    expect((slowError as Error).message).toBe(`pod ${names(slow).pod} in namespace ${namespace} was not ready within 1.5 s (last seen: phase Pending)`);
    expect(objectsOf(slow)).toEqual([]);
  });

  it('says why when it may not watch Pods', async () => {
    const made = launcher({ readyTimeoutMs: 1500 });
    const forbidden = `pods is forbidden: User "system:serviceaccount:plenum:controller" cannot list resource "pods" in API group "" in the namespace "${namespace}"`;
    for (let i = 0; i < 3; i++) fake.failNext('GET', '/pods', 403, 'Forbidden', forbidden);
    const id = newId();
    const error = await made.launch({ id, apiSecret: 's' }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`pod ${names(id).pod} in namespace ${namespace} was not ready within 1.5 s (last seen: not created yet; watching pods failed: ${forbidden} (403 Forbidden))`);
    expect(objectsOf(id)).toEqual([]);
    expect(reported.splice(0).map((report) => report.message)).toContain('watching bridge pods failed; listing again');
  });

  it('takes another block of node ports when another Service holds one, and says so when none is left', async () => {
    // Two blocks of 10 ports; another controller's Service holds the first.
    const made = launcher({ rtpPorts: [31000, 31019], portsPerBridge: 10 });
    const other = launcher({ rtpPorts: [31000, 31009], portsPerBridge: 10 });
    const held = await other.launch({ id: newId(), apiSecret: 's' });
    const bridge = await made.launch({ id: newId(), apiSecret: 's' });
    const ports = (fake.objects.get(`services/${namespace}/${names(bridge.id).service}`)!.spec as { ports: { nodePort: number }[] }).ports.map((port) => port.nodePort);
    expect([ports[0], ports.at(-1)]).toEqual([31010, 31019]);
    const id = newId();
    const error = await made.launch({ id, apiSecret: 's' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/no free block of UDP ports/);
    expect(fake.requests.some((request) => request.method === 'POST' && (request.body as Json).metadata.name === names(id).service)).toBe(true);
    expect(objectsOf(id)).toEqual([]);
    await held.close();
  });

  it('commands the bridge through RabbitMQ with its own account, ready once Janus consumes its queue; close() removes the account', async () => {
    const made = launcher({ broker: { url: amqpUrl, host: 'rabbitmq.plenum.svc', port: 5672, peer: { podLabels: { 'app.kubernetes.io/name': 'rabbitmq' } } } });
    const id = newId();
    const launching = made.launch({ id, apiSecret: 's' });
    // rabbitmqctl makes the account first, which takes seconds.
    await until(() => fake.objects.has(`pods/${namespace}/${names(id).pod}`), 'the pod', 20_000);
    // Play Janus: log in with what the Secret gives the bridge, and consume its request queue.
    const secret = fake.objects.get(`secrets/${namespace}/${names(id).secret}`)!;
    const config = Buffer.from((secret.data as Record<string, string>)['janus.transport.rabbitmq.jcfg']!, 'base64').toString();
    const field = (key: string) => new RegExp(`${key} = "([^"]*)"`).exec(config)![1]!;
    const credentials = `${encodeURIComponent(field('username'))}:${encodeURIComponent(field('password'))}`;
    expect(field('host')).toBe('rabbitmq.plenum.svc');
    const janus = await amqp.connect(`amqp://${credentials}@127.0.0.1:5672`);
    const channel = await janus.createChannel();
    await channel.assertQueue(field('to_janus'), { durable: false, autoDelete: true });
    await channel.consume(field('to_janus'), () => undefined);
    const bridge = await launching;
    expect(bridge.api).toEqual({ kind: 'rabbitmq', toJanus: field('to_janus'), fromJanus: field('from_janus') });
    const policy = fake.objects.get(`networkpolicies/${namespace}/${names(id).networkPolicy}`)!.spec as { egress: unknown[] };
    expect(policy.egress[0]).toEqual({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'rabbitmq' } } }], ports: [{ protocol: 'TCP', port: 5672 }] });
    await janus.close().catch(() => undefined);
    await bridge.close();
    expect(objectsOf(id)).toEqual([]);
    await expect(amqp.connect(`amqp://${credentials}@127.0.0.1:5672`)).rejects.toThrow(/ACCESS_REFUSED|403/);
  }, 90_000);

  it('uses the default kubeconfig loader, and close() removes every bridge and refuses new ones', async () => {
    const file = path.join(tlsDir, 'kubeconfig.json');
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: fake.url, 'certificate-authority-data': cert.toString('base64') } }],
      users: [{ name: 'controller', user: { token } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'controller', namespace: 'from-kubeconfig' } }],
      'current-context': 'fake',
    }));
    const previous = process.env.KUBECONFIG;
    process.env.KUBECONFIG = file;
    let made: KubernetesLauncher;
    try {
      made = createKubernetesLauncher({ readyTimeoutMs: 5000, onError: (error) => reported.push(error) });
    } finally {
      if (previous === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = previous;
    }
    expect(made.namespace).toBe('from-kubeconfig');
    const bridges = await Promise.all([made.launch({ id: newId(), apiSecret: 's' }), made.launch({ id: newId(), apiSecret: 's' })]);
    expect(bridges.flatMap((bridge) => objectsOf(bridge.id)).map((object) => object.metadata.namespace)).toEqual(Array<string>(8).fill('from-kubeconfig'));
    await made.close();
    expect(bridges.flatMap((bridge) => objectsOf(bridge.id))).toEqual([]);
    expect(bridges.every((bridge) => bridge.closed)).toBe(true);
    await expect(made.launch({ id: newId(), apiSecret: 's' })).rejects.toThrow(/closed/);
  });
});
