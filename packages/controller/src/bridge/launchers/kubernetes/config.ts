import { z } from 'zod';
import type { KubernetesLauncherOptions } from './kubernetesLauncher.js';

/** A Kubernetes resource quantity such as `100m`, `1`, `256Mi`, `1.5Gi`. */
const quantity = z.string().regex(/^\d+(\.\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/, 'must be a Kubernetes quantity such as 100m, 1, 256Mi');
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label (lower case, digits, -)');
const labelKey = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** `key=value,key=value` → labels to match. */
const labelSelector = z
  .string()
  .transform((text) => text.split(',').map((pair) => pair.trim()).filter(Boolean).map((pair) => pair.split('=').map((part) => part.trim())))
  .pipe(z.array(z.tuple([z.string().regex(labelKey, 'bad label key'), z.string().regex(labelValue, 'bad label value')])).min(1, 'needs at least one key=value'))
  .transform((pairs) => Object.fromEntries(pairs));
const portRange = z
  .string()
  .regex(/^\d+-\d+$/, 'must be <first>-<last>')
  .transform((text) => text.split('-').map(Number) as [number, number])
  .refine(([first, last]) => first >= 1 && last <= 65535 && first <= last, 'must be a range of ports, first ≤ last');
const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be <host>:<port>')
  .transform((text) => {
    const at = text.lastIndexOf(':');
    return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
  });
const seconds = z.coerce.number().int().min(1).max(3600);

/**
 * The settings of `PLENUM_BRIDGE_LAUNCHER=kubernetes`, as `PLENUM_*` variables, each with its
 * default. The kubeconfig comes from the default loader: `KUBECONFIG`, `~/.kube/config`, or
 * the Pod's service account when the controller runs in the cluster.
 */
export const kubernetesConfigFields = {
  /** Namespace of the bridges. Default: the kubeconfig context's namespace (in a cluster: the controller's own), else `default`. */
  PLENUM_BRIDGE_K8S_NAMESPACE: dnsLabel.optional(),
  /** The Janus image (`containers/janus/Containerfile`). Default `plenum-janus:1.1.2`. */
  PLENUM_BRIDGE_K8S_IMAGE: z.string().min(1).default('plenum-janus:1.1.2'),
  /** IPv4 address browsers send media to (load balancer, floating IP, single node). Default: the address of the node each bridge runs on. */
  PLENUM_BRIDGE_K8S_PUBLIC_ADDRESS: z.ipv4().optional(),
  /** UDP ports the bridges' media may use, inside the cluster's NodePort range. Default `30000-32767`. */
  PLENUM_BRIDGE_K8S_RTP_PORTS: portRange.default([30000, 32767]),
  /** UDP ports per bridge (one per WebRTC connection). Default 100. */
  PLENUM_BRIDGE_K8S_PORTS_PER_BRIDGE: z.coerce.number().int().min(2).max(1000).default(100),
  /** CPU request and limit of each bridge. Defaults `100m` and `1`. */
  PLENUM_BRIDGE_K8S_CPU_REQUEST: quantity.default('100m'),
  PLENUM_BRIDGE_K8S_CPU_LIMIT: quantity.default('1'),
  /** Memory request and limit of each bridge (its scratch space counts too). Defaults `64Mi` and `256Mi`. */
  PLENUM_BRIDGE_K8S_MEMORY_REQUEST: quantity.default('64Mi'),
  PLENUM_BRIDGE_K8S_MEMORY_LIMIT: quantity.default('256Mi'),
  /** Seconds a bridge Pod may take to become ready (scheduling and image pull included). Default 60. */
  PLENUM_BRIDGE_K8S_READY_TIMEOUT: seconds.default(60),
  /** Labels of the controller Pods, the only ones that may reach a bridge's WebSocket API. Default `app.kubernetes.io/name=plenum,app.kubernetes.io/component=controller`. */
  PLENUM_BRIDGE_K8S_CONTROLLER_SELECTOR: labelSelector.default({ 'app.kubernetes.io/name': 'plenum', 'app.kubernetes.io/component': 'controller' }),
  /** Namespace of the controller Pods. Default: the bridges' namespace. */
  PLENUM_BRIDGE_K8S_CONTROLLER_NAMESPACE: dnsLabel.optional(),
  /** `host:port` at which bridges reach RabbitMQ. Default: host and port of `PLENUM_AMQP_URL`. */
  PLENUM_BRIDGE_K8S_BROKER_ADDRESS: hostPort.optional(),
  /** Address block of RabbitMQ for the bridges' egress rule. Default `<broker IPv4>/32`. */
  PLENUM_BRIDGE_K8S_BROKER_CIDR: z.cidrv4().optional(),
  /** Labels of RabbitMQ's Pods, for the egress rule when RabbitMQ runs in the cluster (instead of a CIDR). */
  PLENUM_BRIDGE_K8S_BROKER_SELECTOR: labelSelector.optional(),
  /** Namespace of RabbitMQ's Pods. Default: the bridges' namespace. */
  PLENUM_BRIDGE_K8S_BROKER_NAMESPACE: dnsLabel.optional(),
};

export const kubernetesConfigSchema = z.object(kubernetesConfigFields);
export type KubernetesConfig = z.infer<typeof kubernetesConfigSchema>;

/**
 * The launcher options the settings describe. `amqpUrl` (`PLENUM_AMQP_URL`): with it, bridges
 * are commanded through RabbitMQ, each with its own account; without it, over WebSocket.
 */
export function kubernetesLauncherOptions(config: KubernetesConfig, amqpUrl: string | undefined): KubernetesLauncherOptions {
  const namespace = config.PLENUM_BRIDGE_K8S_NAMESPACE;
  let broker: KubernetesLauncherOptions['broker'];
  if (amqpUrl) {
    const url = new URL(amqpUrl);
    const address = config.PLENUM_BRIDGE_K8S_BROKER_ADDRESS ?? { host: url.hostname, port: Number(url.port || (url.protocol === 'amqps:' ? 5671 : 5672)) };
    const selector = config.PLENUM_BRIDGE_K8S_BROKER_SELECTOR;
    const cidr = config.PLENUM_BRIDGE_K8S_BROKER_CIDR;
    broker = {
      url: amqpUrl,
      ...address,
      ...(cidr ? { peer: { cidr } } : selector ? { peer: { namespace: config.PLENUM_BRIDGE_K8S_BROKER_NAMESPACE, podLabels: selector } } : {}),
    };
  }
  return {
    ...(namespace ? { namespace } : {}),
    image: config.PLENUM_BRIDGE_K8S_IMAGE,
    ...(config.PLENUM_BRIDGE_K8S_PUBLIC_ADDRESS ? { publicAddress: config.PLENUM_BRIDGE_K8S_PUBLIC_ADDRESS } : {}),
    rtpPorts: config.PLENUM_BRIDGE_K8S_RTP_PORTS,
    portsPerBridge: config.PLENUM_BRIDGE_K8S_PORTS_PER_BRIDGE,
    resources: {
      requests: { cpu: config.PLENUM_BRIDGE_K8S_CPU_REQUEST, memory: config.PLENUM_BRIDGE_K8S_MEMORY_REQUEST },
      limits: { cpu: config.PLENUM_BRIDGE_K8S_CPU_LIMIT, memory: config.PLENUM_BRIDGE_K8S_MEMORY_LIMIT },
    },
    readyTimeoutMs: config.PLENUM_BRIDGE_K8S_READY_TIMEOUT * 1000,
    controllers: { namespace: config.PLENUM_BRIDGE_K8S_CONTROLLER_NAMESPACE, podLabels: config.PLENUM_BRIDGE_K8S_CONTROLLER_SELECTOR },
    ...(broker ? { broker } : {}),
  };
}
