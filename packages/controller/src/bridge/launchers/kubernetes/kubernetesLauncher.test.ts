import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesLauncher, type KubernetesLauncher, type KubernetesLauncherOptions } from './kubernetesLauncher.js';
import { bridgeNetworkPolicy, bridgePod, bridgeSecret, bridgeService, type BridgeObjectsSpec } from './objects.js';
import { BridgeLaunchError, type Bridge } from '../../launcher.js';
import { FakeApiServer, fakeToken, runningReady, type Json } from '../../../test-support/launchers/fakeKubernetes.js';

// What every launcher does (Janus answers, crashes reported, close and launcher.close remove
// everything, RabbitMQ accounts) is kubernetesLauncher.contract.test.ts; here: the objects,
// the API server's answers, and the Pod states.

const namespace = 'plenum-test';
const amqpUrl = 'amqp://guest:guest@127.0.0.1:5672';
let fake: FakeApiServer;
const launchers: KubernetesLauncher[] = [];
/** Problems the launchers reported on the side (watch failures, leftovers): none expected. */
const reported: Error[] = [];

function launcher(options: KubernetesLauncherOptions = {}): KubernetesLauncher {
  const made = createKubernetesLauncher({ kubeConfig: fake.kubeConfig(namespace), readyTimeoutMs: 5000, deleteTimeoutMs: 5000, onError: (error) => reported.push(error), ...options });
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
  fake = await FakeApiServer.start();
});

afterEach(async () => {
  await Promise.all(launchers.splice(0).map((made) => made.close()));
  fake.autoReadyMs = 20;
  fake.failures.length = 0;
  expect(reported.splice(0)).toEqual([]);
});

afterAll(async () => {
  await fake.close();
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
    // What reached the server is what objects.ts rendered: the client dropped nothing.
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
    expect(bridge.mediaAddress).toBe(runningReady.hostIP);
    expect(made.namespace).toBe(namespace);
  });

  it('close() deletes the Pod, waits until it is gone, then deletes the rest', async () => {
    const made = launcher({ publicAddress: '203.0.113.9' });
    const id = newId();
    const bridge = await made.launch({ id, apiSecret: 's' });
    expect(bridge.mediaAddress).toBe('203.0.113.9');
    expect(objectsOf(id)).toHaveLength(4);
    const before = fake.requests.length;
    await bridge.close();
    const deletes = fake.requests.slice(before).filter((request) => request.method === 'DELETE');
    expect(deletes.map((request) => request.path)).toEqual([
      `/api/v1/namespaces/${namespace}/pods/${names(id).pod}`,
      `/api/v1/namespaces/${namespace}/secrets/${names(id).secret}`,
      `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/${names(id).networkPolicy}`,
      `/api/v1/namespaces/${namespace}/services/${names(id).service}`,
    ]);
    // The fake removes a deleted Pod 100 ms later; the Secret went only after that.
    expect(deletes[1]!.at - deletes[0]!.at).toBeGreaterThanOrEqual(90);
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

  it('with RabbitMQ, tells the bridge the broker address it was given, lets it reach only the broker Pods, and is ready once Janus consumes its queue', async () => {
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
  }, 90_000);

  it('uses the default kubeconfig loader, and refuses to launch once closed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plenum-kubeconfig-'));
    const file = path.join(dir, 'kubeconfig.json');
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: fake.url, 'certificate-authority-data': fake.caCert.toString('base64') } }],
      users: [{ name: 'controller', user: { token: fakeToken } }],
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
      rmSync(dir, { recursive: true, force: true });
    }
    expect(made.namespace).toBe('from-kubeconfig');
    const bridges = await Promise.all([made.launch({ id: newId(), apiSecret: 's' }), made.launch({ id: newId(), apiSecret: 's' })]);
    expect(bridges.flatMap((bridge) => objectsOf(bridge.id)).map((object) => object.metadata.namespace)).toEqual(Array<string>(8).fill('from-kubeconfig'));
    await made.close();
    await expect(made.launch({ id: newId(), apiSecret: 's' })).rejects.toMatchObject({ code: 'closed' });
  });
});
