import type { LauncherHarness } from '../../bridge/launcher.contract.js';
import { createKubernetesLauncher } from '../../bridge/launchers/kubernetes/kubernetesLauncher.js';
import { bridgeIdLabel, bridgeObjectNames } from '../../bridge/launchers/kubernetes/objects.js';
import { FakeApiServer, FakeKubelet } from './fakeKubernetes.js';

const namespace = 'plenum-contract';

/**
 * The kubernetes launcher for the launcher contract, against `FakeApiServer` with a
 * `FakeKubelet` that runs each bridge Pod's command on this machine, so Janus really answers
 * on the Pod's address or queues. RabbitMQ is reached from Pods through a relay on the node's
 * address. Problems the launcher reports on the side (watch failures, objects it could not
 * delete) fail the suite at its end.
 */
export function kubernetesHarness(): LauncherHarness {
  let api: FakeApiServer | undefined;
  let kubelet: FakeKubelet | undefined;
  const reported: Error[] = [];
  const cluster = () => {
    if (!api || !kubelet) throw new Error('kubernetesHarness: setUp() has not run');
    return { api, kubelet };
  };
  return {
    async setUp() {
      api = await FakeApiServer.start();
      kubelet = await FakeKubelet.start();
      api.kubelet = kubelet;
    },
    async tearDown() {
      await kubelet?.close();
      await api?.close();
      if (reported.length > 0) throw new AggregateError(reported, `the kubernetes launcher reported ${String(reported.length)} problem(s): ${reported.map((error) => error.message).join('; ')}`);
    },
    async launcher({ brokerUrl }) {
      const { api, kubelet } = cluster();
      const broker = brokerUrl && {
        url: brokerUrl,
        host: kubelet.nodeAddress,
        port: await kubelet.brokerPort(brokerUrl),
        peer: { cidr: `${kubelet.nodeAddress}/32` },
      };
      return createKubernetesLauncher({
        kubeConfig: api.kubeConfig(namespace),
        readyTimeoutMs: 20_000,
        deleteTimeoutMs: 15_000,
        ...(broker ? { broker } : {}),
        onError: (error) => reported.push(error),
      });
    },
    async crash(bridge) {
      await cluster().kubelet.kill(namespace, bridgeObjectNames(bridge.id).pod);
    },
    parts: ['Kubernetes objects', 'Pod processes', 'Pod network'],
    async leftovers(id) {
      const { api, kubelet } = cluster();
      const pod = await kubelet.leftovers(namespace, bridgeObjectNames(id).pod);
      return {
        'Kubernetes objects': [...api.objects.values()].filter((object) => object.metadata.labels?.[bridgeIdLabel] === id).map((object) => `${String(object.kind)} ${object.metadata.name}`),
        'Pod processes': pod.processes,
        'Pod network': pod.network,
      };
    },
    broker: true,
    deadOwner: {
      unsupported:
        'KubernetesLauncher.sweep() removes nothing yet: its bridge Pods outlive a dead controller, and nothing tells a dead launcher’s objects from a live one’s (no lease or owner per launcher)',
    },
  };
}
