import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { Pod, Secret, Service, type IPod } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import {
  bridgeLabels,
  bridgeNetworkPolicy,
  bridgePod,
  bridgeSecret,
  bridgeService,
  configMountPath,
  type BridgeObjectsSpec,
} from './objects.js';

const resources = { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } };
const controllers = { namespace: 'plenum', podLabels: { 'app.kubernetes.io/name': 'plenum', 'app.kubernetes.io/component': 'controller' } };
const account = { username: 'plenum-bridge-abcdef12', password: 'broker-password-xyz', vhost: '/', toJanus: 'plenum-bridge-abcdef12-to', fromJanus: 'plenum-bridge-abcdef12-from' };

const websocketSpec: BridgeObjectsSpec = {
  id: 'abcdef12',
  launcherId: '0badc0de',
  namespace: 'plenum-bridges',
  image: 'registry.example/plenum-janus:1.1.2',
  apiSecret: 'api-secret-123',
  rtpPorts: [30100, 30199],
  resources,
  api: { kind: 'websocket', port: 8188, controllers },
};
const rabbitSpec: BridgeObjectsSpec = {
  ...websocketSpec,
  publicAddress: '203.0.113.7',
  api: { kind: 'rabbitmq', host: 'rabbitmq.plenum.svc', port: 5672, peer: { namespace: 'plenum', podLabels: { 'app.kubernetes.io/name': 'rabbitmq' } }, account },
  owner: { name: 'plenum-bridge-abcdef12-media', uid: '6f1c1c8e-4b8e-4b4e-9d55-1f6f0c7a0001' },
};

function secretFiles(spec: BridgeObjectsSpec): Record<string, string> {
  return Object.fromEntries(Object.entries(bridgeSecret(spec).data ?? {}).map(([name, value]) => [name, Buffer.from(value, 'base64').toString()]));
}

/**
 * The checks of the Pod Security Standard "restricted" (v1.30) that apply to these Pods: what
 * a namespace labelled `pod-security.kubernetes.io/enforce: restricted` would refuse.
 */
function restrictedViolations(pod: IPod): string[] {
  const spec = pod.spec;
  if (!spec) return ['no spec'];
  const violations: string[] = [];
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) violations.push('host namespaces');
  const allowedVolumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
  for (const volume of spec.volumes ?? []) {
    const types = Object.keys(volume).filter((key) => key !== 'name');
    if (!types.every((type) => allowedVolumes.includes(type))) violations.push(`volume type ${types.join()}`);
  }
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    const context = container.securityContext ?? {};
    if (context.privileged) violations.push('privileged');
    if (context.allowPrivilegeEscalation !== false) violations.push('privilege escalation');
    if (!context.capabilities?.drop?.includes('ALL')) violations.push('capabilities not dropped');
    if ((context.capabilities?.add ?? []).some((cap) => cap !== 'NET_BIND_SERVICE')) violations.push('capabilities added');
    if ((context.runAsNonRoot ?? spec.securityContext?.runAsNonRoot) !== true) violations.push('may run as root');
    if ((context.runAsUser ?? spec.securityContext?.runAsUser) === 0) violations.push('runs as uid 0');
    const seccomp = context.seccompProfile?.type ?? spec.securityContext?.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') violations.push('no seccomp profile');
    if ((container.ports ?? []).some((port) => port.hostPort !== undefined)) violations.push('host ports');
  }
  return violations;
}

describe('bridge objects', () => {
  it('are valid Kubernetes objects by the API schema, for both ways of commanding the bridge', () => {
    for (const spec of [websocketSpec, rabbitSpec]) {
      expect(() => new Pod(bridgePod(spec)).validate()).not.toThrow();
      expect(() => new Secret(bridgeSecret(spec)).validate()).not.toThrow();
      expect(() => new Service(bridgeService(spec)).validate()).not.toThrow();
      expect(() => new NetworkPolicy(bridgeNetworkPolicy(spec)).validate()).not.toThrow();
    }
  });

  it('fail the schema when a setting is malformed (the validator does reject)', () => {
    const badQuantity = { ...websocketSpec, resources: { ...resources, limits: { cpu: 'one core', memory: '256Mi' } } };
    expect(() => new Pod(bridgePod(badQuantity)).validate()).toThrow(/limits\/cpu/);
    const pod = bridgePod(websocketSpec);
    const broken = structuredClone(pod);
    broken.spec!.containers[0]!.securityContext!.runAsNonRoot = 'yes' as unknown as boolean;
    expect(() => new Pod(broken).validate()).toThrow(/runAsNonRoot must be boolean/);
    const policy = bridgeNetworkPolicy(websocketSpec);
    const { podSelector: _, ...withoutSelector } = policy.spec!;
    expect(() => new NetworkPolicy({ ...policy, spec: withoutSelector as never }).validate()).toThrow(/podSelector/);
  });

  it('run Janus as the image\'s unprivileged user, confined, and pass the Pod Security Standard "restricted"', () => {
    const pod = bridgePod(websocketSpec);
    const spec = pod.spec!;
    const container = spec.containers[0]!;
    expect(restrictedViolations(pod)).toEqual([]);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.enableServiceLinks).toBe(false);
    expect(spec.restartPolicy).toBe('Never');
    expect(spec.terminationGracePeriodSeconds).toBeLessThanOrEqual(10);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.resources).toEqual(resources);
    // The writable places are memory-backed and go with the Pod; the config is read-only.
    expect(spec.volumes).toEqual([
      { name: 'config', secret: { secretName: 'plenum-bridge-abcdef12-config', defaultMode: 0o440 } },
      { name: 'work', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
      { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
    ]);
    expect(container.volumeMounts?.find((mount) => mount.mountPath === configMountPath)?.readOnly).toBe(true);
    expect(container.readinessProbe).toMatchObject({ tcpSocket: { port: 8188 } });
    expect(pod.metadata?.labels).toEqual(bridgeLabels(websocketSpec));
    expect(pod.metadata?.labels).toMatchObject({ 'app.kubernetes.io/name': 'janus', 'app.kubernetes.io/managed-by': 'plenum-controller', 'plenum/bridge-id': 'abcdef12' });
  });

  it('the checker of the restricted profile does catch violations', () => {
    const pod = structuredClone(bridgePod(websocketSpec));
    pod.spec!.hostNetwork = true;
    pod.spec!.containers[0]!.securityContext!.allowPrivilegeEscalation = true;
    pod.spec!.volumes!.push({ name: 'host', hostPath: { path: '/' } });
    expect(restrictedViolations(pod)).toEqual(['host namespaces', 'volume type hostPath', 'privilege escalation']);
  });

  it('keep the API secret and the broker password in the Secret, never in the Pod', () => {
    for (const spec of [websocketSpec, rabbitSpec]) {
      const podJson = JSON.stringify(bridgePod(spec));
      expect(podJson).not.toContain(spec.apiSecret);
      expect(podJson).not.toContain(account.password);
      const files = Object.values(secretFiles(spec)).join('\n');
      expect(files).toContain(`api_secret = "${spec.apiSecret}"`);
    }
    expect(secretFiles(rabbitSpec)['janus.transport.rabbitmq.jcfg']).toContain(`password = "${account.password}"`);
    expect(bridgeSecret(rabbitSpec)).toMatchObject({ type: 'Opaque', immutable: true });
  });

  it('configure Janus for the bridge: its ports, one transport, the queues of its own account', () => {
    const websocket = secretFiles(websocketSpec);
    expect(Object.keys(websocket).sort()).toEqual(['janus.jcfg', 'janus.plugin.videoroom.jcfg', 'janus.transport.websockets.jcfg']);
    expect(websocket['janus.jcfg']).toContain('rtp_port_range = "30100-30199"');
    expect(websocket['janus.transport.websockets.jcfg']).toContain('ws_port = 8188');
    const rabbit = secretFiles(rabbitSpec);
    expect(Object.keys(rabbit).sort()).toEqual(['janus.jcfg', 'janus.plugin.videoroom.jcfg', 'janus.transport.rabbitmq.jcfg']);
    expect(rabbit['janus.transport.rabbitmq.jcfg']).toMatch(/host = "rabbitmq\.plenum\.svc"[\s\S]*to_janus = "plenum-bridge-abcdef12-to"[\s\S]*from_janus = "plenum-bridge-abcdef12-from"/);
    // The Pod's command loads the transport the Secret configures, and advertises the media address.
    expect(bridgePod(rabbitSpec).spec!.containers[0]!.command!.join(' ')).toContain('libjanus_rabbitmq.so');
    expect(bridgePod(rabbitSpec).spec!.containers[0]!.env).toContainEqual({ name: 'PLENUM_MEDIA_ADDRESS', value: '203.0.113.7' });
    expect(bridgePod(websocketSpec).spec!.containers[0]!.env).toContainEqual({ name: 'PLENUM_MEDIA_ADDRESS', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } });
  });

  it('expose every media port on the same node port, to the bridge\'s Pod only', () => {
    const service = bridgeService(websocketSpec);
    const ports = service.spec!.ports!;
    expect(service.spec!.type).toBe('NodePort');
    expect(ports).toHaveLength(100);
    for (const [i, port] of ports.entries()) expect(port).toEqual({ name: `rtp-${30100 + i}`, protocol: 'UDP', port: 30100 + i, targetPort: 30100 + i, nodePort: 30100 + i });
    // The selector picks this bridge's Pod.
    expect(Object.entries(service.spec!.selector!).every(([key, value]) => bridgePod(websocketSpec).metadata!.labels![key] === value)).toBe(true);
    expect(service.spec!.selector!['plenum/bridge-id']).toBe('abcdef12');
    // Advertising the node's address works only if that node takes the media itself.
    expect(service.spec!.externalTrafficPolicy).toBe('Local');
    expect(bridgeService(rabbitSpec).spec!.externalTrafficPolicy).toBe('Cluster');
  });

  it('let media in from anywhere, the API only from controllers, and nothing out (WebSocket API)', () => {
    const policy = bridgeNetworkPolicy(websocketSpec).spec!;
    expect(policy.podSelector.matchLabels).toEqual({ 'plenum/bridge-id': 'abcdef12', 'app.kubernetes.io/managed-by': 'plenum-controller' });
    expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.ingress).toEqual([
      { ports: [{ protocol: 'UDP', port: 30100, endPort: 30199 }] },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'plenum' } }, podSelector: { matchLabels: controllers.podLabels } }],
        ports: [{ protocol: 'TCP', port: 8188 }],
      },
    ]);
    expect(policy.egress).toEqual([]);
  });

  it('let a broker-commanded bridge reach only the broker, and DNS when the broker is named', () => {
    const policy = bridgeNetworkPolicy(rabbitSpec).spec!;
    expect(policy.ingress).toEqual([{ ports: [{ protocol: 'UDP', port: 30100, endPort: 30199 }] }]);
    expect(policy.egress).toEqual([
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'plenum' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'rabbitmq' } } }], ports: [{ protocol: 'TCP', port: 5672 }] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      },
    ]);
    const byAddress: BridgeObjectsSpec = { ...rabbitSpec, api: { ...rabbitSpec.api, kind: 'rabbitmq', host: '10.0.0.5', port: 5672, peer: { cidr: '10.0.0.5/32' }, account } };
    expect(bridgeNetworkPolicy(byAddress).spec!.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.0.0.5/32' } }], ports: [{ protocol: 'TCP', port: 5672 }] }]);
  });

  it('belong to the bridge\'s Service once it exists, so that deleting it removes them all', () => {
    for (const object of [bridgePod(rabbitSpec), bridgeSecret(rabbitSpec), bridgeNetworkPolicy(rabbitSpec)]) {
      expect(object.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'plenum-bridge-abcdef12-media', uid: rabbitSpec.owner!.uid }]);
      expect(object.metadata?.namespace).toBe('plenum-bridges');
    }
    expect(bridgeService(rabbitSpec).metadata?.ownerReferences).toBeUndefined();
    expect(bridgePod(websocketSpec).metadata?.ownerReferences).toBeUndefined();
  });
});
