import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { kubernetesConfigSchema, kubernetesLauncherOptions } from './config.js';
import { createKubernetesLauncher } from './kubernetesLauncher.js';

const unusedCluster = () => {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return config;
};

describe('PLENUM_BRIDGE_K8S_* settings', () => {
  it('have defaults for everything', () => {
    const config = kubernetesConfigSchema.parse({});
    expect(kubernetesLauncherOptions(config, undefined)).toEqual({
      image: 'plenum-janus:1.1.2',
      rtpPorts: [30000, 32767],
      portsPerBridge: 100,
      resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
      readyTimeoutMs: 60_000,
      controllers: { namespace: undefined, podLabels: { 'app.kubernetes.io/name': 'plenum', 'app.kubernetes.io/component': 'controller' } },
    });
  });

  it('are read and checked', () => {
    const config = kubernetesConfigSchema.parse({
      PLENUM_BRIDGE_K8S_NAMESPACE: 'bridges',
      PLENUM_BRIDGE_K8S_IMAGE: 'registry.example/plenum-janus:1.1.2',
      PLENUM_BRIDGE_K8S_PUBLIC_ADDRESS: '203.0.113.4',
      PLENUM_BRIDGE_K8S_RTP_PORTS: '31000-31999',
      PLENUM_BRIDGE_K8S_PORTS_PER_BRIDGE: '50',
      PLENUM_BRIDGE_K8S_MEMORY_LIMIT: '512Mi',
      PLENUM_BRIDGE_K8S_READY_TIMEOUT: '120',
      PLENUM_BRIDGE_K8S_CONTROLLER_SELECTOR: 'app=plenum, tier=control',
      PLENUM_BRIDGE_K8S_CONTROLLER_NAMESPACE: 'plenum',
      PLENUM_BRIDGE_K8S_BROKER_ADDRESS: 'rabbitmq.plenum.svc:5672',
      PLENUM_BRIDGE_K8S_BROKER_SELECTOR: 'app.kubernetes.io/name=rabbitmq',
      PLENUM_BRIDGE_K8S_BROKER_NAMESPACE: 'messaging',
    });
    expect(kubernetesLauncherOptions(config, 'amqp://plenum:pw@10.0.0.5:5672/plenum')).toMatchObject({
      namespace: 'bridges',
      image: 'registry.example/plenum-janus:1.1.2',
      publicAddress: '203.0.113.4',
      rtpPorts: [31000, 31999],
      portsPerBridge: 50,
      resources: { limits: { memory: '512Mi' } },
      readyTimeoutMs: 120_000,
      controllers: { namespace: 'plenum', podLabels: { app: 'plenum', tier: 'control' } },
      broker: { url: 'amqp://plenum:pw@10.0.0.5:5672/plenum', host: 'rabbitmq.plenum.svc', port: 5672, peer: { namespace: 'messaging', podLabels: { 'app.kubernetes.io/name': 'rabbitmq' } } },
    });
    for (const [key, value] of [
      ['PLENUM_BRIDGE_K8S_NAMESPACE', 'Not_A_Label'],
      ['PLENUM_BRIDGE_K8S_PUBLIC_ADDRESS', 'bridge.example'],
      ['PLENUM_BRIDGE_K8S_RTP_PORTS', '32000-31000'],
      ['PLENUM_BRIDGE_K8S_CPU_LIMIT', 'one core'],
      ['PLENUM_BRIDGE_K8S_CONTROLLER_SELECTOR', 'app'],
      ['PLENUM_BRIDGE_K8S_BROKER_CIDR', '10.0.0.5'],
      ['PLENUM_BRIDGE_K8S_BROKER_ADDRESS', 'rabbitmq'],
    ]) {
      expect(kubernetesConfigSchema.safeParse({ [key!]: value }).success, `${key!}=${value!}`).toBe(false);
    }
  });

  it('derive the broker address and its egress rule from PLENUM_AMQP_URL', () => {
    const options = kubernetesLauncherOptions(kubernetesConfigSchema.parse({}), 'amqp://plenum:pw@10.0.0.5/plenum');
    expect(options.broker).toEqual({ url: 'amqp://plenum:pw@10.0.0.5/plenum', host: '10.0.0.5', port: 5672 });
  });

  it('a launcher refuses a broker its Pods cannot reach or cannot be fenced in for', () => {
    const kubeConfig = unusedCluster();
    expect(() => createKubernetesLauncher({ kubeConfig, broker: { url: 'amqp://guest:guest@127.0.0.1:5672' } })).toThrow(/cannot reach RabbitMQ at 127\.0\.0\.1/);
    expect(() => createKubernetesLauncher({ kubeConfig, broker: { url: 'amqp://u:p@rabbitmq.plenum.svc:5672' } })).toThrow(/PLENUM_BRIDGE_K8S_BROKER_CIDR or PLENUM_BRIDGE_K8S_BROKER_SELECTOR/);
    expect(() => createKubernetesLauncher({ kubeConfig, broker: { url: 'amqps://u:p@10.0.0.5' } })).toThrow(/plain AMQP/);
    expect(() => createKubernetesLauncher({ kubeConfig, rtpPorts: [30000, 30049], portsPerBridge: 100 })).toThrow(/no block of 100 ports/);
    expect(createKubernetesLauncher({ kubeConfig }).namespace).toBe('default');
  });
});
