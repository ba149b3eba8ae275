import type { INetworkPolicy, IIoK8sApiNetworkingV1NetworkPolicyPeer as INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPod, ISecret, IService } from 'kubernetes-models/v1';
import { renderJanusConfig, type JanusApiTransport } from '../shared/janusConfig.js';

/**
 * The Kubernetes objects of one conference bridge, as plain data in the API's own JSON form
 * (typed by `kubernetes-models`, checked against its schema in the tests; no API calls here):
 *
 * - a **Service** of type NodePort that exposes the bridge's UDP media ports, each node port
 *   equal to the port Janus binds, so the port Janus advertises is the port browsers reach;
 *   created first, it is the owner of the others (deleting it garbage-collects them);
 * - a **NetworkPolicy**: media from anywhere, the Janus API only from controllers, egress only
 *   to the broker (and DNS when the broker is named, not addressed);
 * - a **Secret** with the Janus configuration, API secret and broker password included, mounted
 *   as files: they never appear in the Pod's env or arguments;
 * - a **Pod** running Janus as a non-root user with no capabilities, a read-only root, memory
 *   backed scratch space, and the Pod Security Standard "restricted" profile satisfied.
 *
 * `docs/kubernetes.md` explains the choices.
 */

/** The image's non-root user (`containers/janus/Containerfile`, `scripts/build-bridge-image.mjs`). */
export const bridgeUid = 10001;
/** Where the Secret with the Janus configuration is mounted, read-only. */
export const configMountPath = '/run/plenum/config';
/** Janus's working directory: a memory-backed emptyDir holding the configuration copy and module links. */
export const workMountPath = '/run/plenum/work';
/** Label every bridge object carries with the bridge's ID. */
export const bridgeIdLabel = 'plenum/bridge-id';
/** Label naming the launcher (one per controller process) that made the bridge. */
export const launcherLabel = 'plenum/launcher';
/** `app.kubernetes.io/managed-by` of every bridge object. */
export const managedBy = 'plenum-controller';

/** CPU and memory of the Janus container, as Kubernetes quantities (`100m`, `256Mi`). */
export interface BridgeResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** Pods in a namespace chosen by labels, for NetworkPolicy rules. */
export interface PodPeer {
  namespace: string;
  podLabels: Record<string, string>;
}

/** Where the broker is, for the egress rule: an address block, or RabbitMQ pods in the cluster. */
export type BrokerPeer = { cidr: string } | PodPeer;

/** How the controller commands the bridge's Janus. */
export type BridgeApiAccess =
  | {
      kind: 'websocket';
      /** Port of Janus's WebSocket API in the Pod. */
      port: number;
      /** The controllers, the only pods allowed to reach the API port. */
      controllers: PodPeer;
    }
  | {
      kind: 'rabbitmq';
      /** Broker host and port as the bridge reaches them (from inside the cluster). */
      host: string;
      port: number;
      peer: BrokerPeer;
      /** The bridge's own broker account and queues (`brokerAccess.ts`). */
      account: { username: string; password: string; vhost: string; toJanus: string; fromJanus: string };
    };

export interface BridgeObjectsSpec {
  /** `[a-z0-9]{8,16}`, names every object. */
  id: string;
  /** Random per launcher; lets each controller watch only its own bridges. */
  launcherId: string;
  namespace: string;
  /** The Janus image (see `docs/kubernetes.md`). */
  image: string;
  /** Required in every Janus API request. */
  apiSecret: string;
  /** Inclusive UDP port range, inside the cluster's NodePort range, distinct per bridge. */
  rtpPorts: [number, number];
  /**
   * The address Janus advertises to browsers. Unset: the address of the node the Pod runs on
   * (`status.hostIP`), with the Service sending media only to that node's Pod.
   */
  publicAddress?: string;
  resources: BridgeResources;
  api: BridgeApiAccess;
  /** The bridge's Service once created: the other objects are owned by it. */
  owner?: { name: string; uid: string };
}

/** The names of one bridge's objects. */
export function bridgeObjectNames(id: string) {
  const base = `plenum-bridge-${id}`;
  return { pod: base, secret: `${base}-config`, service: `${base}-media`, networkPolicy: base };
}

/** Labels of every object of the bridge; the Pod's identify it for the Service and the NetworkPolicy. */
export function bridgeLabels(spec: Pick<BridgeObjectsSpec, 'id' | 'launcherId'>): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'janus',
    'app.kubernetes.io/instance': bridgeObjectNames(spec.id).pod,
    'app.kubernetes.io/component': 'video-bridge',
    'app.kubernetes.io/part-of': 'plenum',
    'app.kubernetes.io/managed-by': managedBy,
    [bridgeIdLabel]: spec.id,
    [launcherLabel]: spec.launcherId,
  };
}

function metadata(spec: BridgeObjectsSpec, name: string, owned = true): NonNullable<IPod['metadata']> {
  const ownerReferences = owned && spec.owner && [{ apiVersion: 'v1', kind: 'Service', name: spec.owner.name, uid: spec.owner.uid }];
  return { name, namespace: spec.namespace, labels: bridgeLabels(spec), ...(ownerReferences ? { ownerReferences } : {}) };
}

function podSelector(spec: BridgeObjectsSpec): Record<string, string> {
  return { [bridgeIdLabel]: spec.id, 'app.kubernetes.io/managed-by': managedBy };
}

function janusTransport(spec: BridgeObjectsSpec): JanusApiTransport {
  const { api } = spec;
  // The Pod's address is unknown until it runs: the API listens on all of the Pod's interfaces.
  if (api.kind === 'websocket') return { kind: 'websocket', address: '0.0.0.0', port: api.port };
  return { kind: 'rabbitmq', host: api.host, port: api.port, ...api.account };
}

/** The Janus configuration files, as the Secret's keys. */
export function bridgeJanusConfig(spec: BridgeObjectsSpec): Record<string, string> {
  return renderJanusConfig({
    dir: workMountPath,
    // Janus's interface and ICE list are set to the Pod's address at start (see the start
    // script); this value only stands in the file.
    mediaAddress: spec.publicAddress ?? '0.0.0.0',
    rtpPorts: spec.rtpPorts,
    apiSecret: spec.apiSecret,
    transport: janusTransport(spec),
  });
}

/**
 * The container's command: links just the needed Janus modules into the working directory,
 * copies the configuration there (Janus reads plugin configs from its config folder), then
 * becomes Janus: ICE only on the Pod's address, advertised as the media address (1:1 NAT).
 * No core dumps: they would hold the conference's media.
 */
export function janusStartScript(transport: 'websocket' | 'rabbitmq'): string {
  const library = transport === 'websocket' ? 'libjanus_websockets.so' : 'libjanus_rabbitmq.so';
  return [
    'set -eu',
    'ulimit -c 0',
    'set -- /usr/lib/*/janus',
    `work=${workMountPath}`,
    'mkdir "$work/plugins" "$work/transports" "$work/none"',
    'ln -s "$1/plugins/libjanus_videoroom.so" "$work/plugins/"',
    `ln -s "$1/transports/${library}" "$work/transports/"`,
    `cp ${configMountPath}/*.jcfg "$work/"`,
    'exec janus -F "$work" -C "$work/janus.jcfg" -o -i "$PLENUM_POD_IP" -E "$PLENUM_POD_IP" -1 "$PLENUM_MEDIA_ADDRESS"',
  ].join('\n');
}

export function bridgeSecret(spec: BridgeObjectsSpec): ISecret {
  const data = Object.fromEntries(Object.entries(bridgeJanusConfig(spec)).map(([name, text]) => [name, Buffer.from(text).toString('base64')]));
  return { apiVersion: 'v1', kind: 'Secret', metadata: metadata(spec, bridgeObjectNames(spec.id).secret), type: 'Opaque', immutable: true, data };
}

export function bridgeService(spec: BridgeObjectsSpec): IService {
  const [first, last] = spec.rtpPorts;
  const ports = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(spec, bridgeObjectNames(spec.id).service, false),
    spec: {
      type: 'NodePort',
      selector: podSelector(spec),
      ipFamilyPolicy: 'SingleStack',
      ipFamilies: ['IPv4'],
      // Node address advertised: only that node may take the media (it keeps the browsers'
      // source addresses too). A public address of its own (a load balancer, a floating IP)
      // may land on any node, which forwards.
      externalTrafficPolicy: spec.publicAddress ? 'Cluster' : 'Local',
      ports: ports.map((port) => ({ name: `rtp-${port}`, protocol: 'UDP', port, targetPort: port, nodePort: port })),
    },
  };
}

function peer(selector: PodPeer): INetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': selector.namespace } }, podSelector: { matchLabels: selector.podLabels } };
}

const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function bridgeNetworkPolicy(spec: BridgeObjectsSpec): INetworkPolicy {
  const { api } = spec;
  const ingress: NonNullable<INetworkPolicy['spec']>['ingress'] = [{ ports: [{ protocol: 'UDP', port: spec.rtpPorts[0], endPort: spec.rtpPorts[1] }] }];
  const egress: NonNullable<INetworkPolicy['spec']>['egress'] = [];
  if (api.kind === 'websocket') {
    ingress.push({ from: [peer(api.controllers)], ports: [{ protocol: 'TCP', port: api.port }] });
  } else {
    egress.push({ to: ['cidr' in api.peer ? { ipBlock: { cidr: api.peer.cidr } } : peer(api.peer)], ports: [{ protocol: 'TCP', port: api.port }] });
    if (!ipv4.test(api.host)) {
      // The broker is named: the bridge must resolve it through the cluster DNS.
      egress.push({
        to: [peer({ namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } })],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      });
    }
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(spec, bridgeObjectNames(spec.id).networkPolicy),
    spec: { podSelector: { matchLabels: podSelector(spec) }, policyTypes: ['Ingress', 'Egress'], ingress, egress },
  };
}

export function bridgePod(spec: BridgeObjectsSpec): IPod {
  const names = bridgeObjectNames(spec.id);
  const { api } = spec;
  const mediaAddress = spec.publicAddress ? { value: spec.publicAddress } : { valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadata(spec, names.pod),
    spec: {
      // A bridge that dies is replaced by the controller with a fresh one, never restarted in place.
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
      // Janus stops in under 2 s on SIGTERM.
      terminationGracePeriodSeconds: 5,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: bridgeUid,
        runAsGroup: bridgeUid,
        // Makes the Secret's files readable by the group (mode 0440 below).
        fsGroup: bridgeUid,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'janus',
          image: spec.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/sh', '-c', janusStartScript(api.kind)],
          env: [
            { name: 'PLENUM_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'PLENUM_MEDIA_ADDRESS', ...mediaAddress },
          ],
          ...(api.kind === 'websocket'
            ? {
                ports: [{ name: 'janus-api', containerPort: api.port, protocol: 'TCP' }],
                readinessProbe: { tcpSocket: { port: api.port }, periodSeconds: 1, failureThreshold: 3 },
              }
            : {}),
          resources: { requests: { ...spec.resources.requests }, limits: { ...spec.resources.limits } },
          securityContext: {
            runAsNonRoot: true,
            runAsUser: bridgeUid,
            runAsGroup: bridgeUid,
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          // Janus's last words end up in the Pod's status when it fails.
          terminationMessagePolicy: 'FallbackToLogsOnError',
          volumeMounts: [
            { name: 'config', mountPath: configMountPath, readOnly: true },
            { name: 'work', mountPath: workMountPath },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'config', secret: { secretName: names.secret, defaultMode: 0o440 } },
        // Memory-backed: nothing of the conference touches the node's disk, all of it goes with the Pod.
        { name: 'work', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
      ],
    },
  };
}
