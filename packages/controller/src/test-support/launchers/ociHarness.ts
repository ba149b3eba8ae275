import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { LauncherHarness } from '../../bridge/launcher.contract.js';
import { bridgeLabel, OciLauncher } from '../../bridge/launchers/oci/ociLauncher.js';
import { ensureBridgeImage, useDockerEngine, useEngine, type EngineService } from './containerEngine.js';
import { spawnBridgeOwner, type BridgeOwner } from './ownerProcess.js';
import { existingPaths, forwardingRulesOf, heldAddresses, processesNaming, testAmqpUrl, testMediaAddress } from './probes.js';

/** Which Docker Engine API the oci launcher talks to. */
export type OciEngine = 'podman' | 'docker';

const image = process.env.PLENUM_TEST_OCI_IMAGE ?? 'plenum-janus:1.1.2';

/**
 * The oci launcher for the launcher contract, on podman's service (`useEngine`) or Docker
 * Engine (`useDockerEngine`), with the bridge image (built, and copied into Docker, if
 * missing), media forwarded from `testMediaAddress`. Dead launchers are
 * `bridgeOwnerProcess.mjs` processes killed with SIGKILL: their containers run on.
 */
export function ociHarness(engine: OciEngine): LauncherHarness {
  let root = '';
  let service: EngineService | undefined;
  const baseDir = () => path.join(root, 'bridges');
  const owners: BridgeOwner[] = [];
  /** The host's end of each bridge's network, noted while the network exists. */
  const gateways = new Map<string, string>();
  const socketPath = () => {
    if (!service) throw new Error('ociHarness: setUp() has not run');
    return service.socketPath;
  };
  const docker = () => new Docker({ socketPath: socketPath() });
  const labelled = (id: string) => JSON.stringify({ label: [`${bridgeLabel}=${id}`] });

  return {
    async setUp() {
      root = mkdtempSync(path.join(tmpdir(), `plenum-oci-${engine}-contract-`));
      chmodSync(root, 0o711);
      service = engine === 'podman' ? await useEngine(process.env.PLENUM_TEST_OCI_SOCKET) : await useDockerEngine(process.env.PLENUM_TEST_DOCKER_SOCKET);
      await ensureBridgeImage(service.socketPath, image);
    },
    async tearDown() {
      try {
        await Promise.all(owners.map((owner) => owner.kill()));
        if (service && owners.length > 0) {
          // What a failed sweep test left: a launcher of this process sweeps the dead owners' bridges.
          const sweeper = new OciLauncher({ socketPath: service.socketPath, image, baseDir: baseDir(), brokerUrl: testAmqpUrl, warn: () => undefined });
          await sweeper.sweep();
        }
      } finally {
        await service?.stop();
        rmSync(root, { recursive: true, force: true });
      }
    },
    async launcher({ brokerUrl }) {
      return new OciLauncher({ socketPath: socketPath(), image, baseDir: baseDir(), publicAddress: testMediaAddress, ...(brokerUrl ? { brokerUrl } : {}), warn: () => undefined });
    },
    async crash(bridge) {
      for (const container of await docker().listContainers({ filters: labelled(bridge.id) })) await docker().getContainer(container.Id).kill({ signal: 'SIGKILL' });
    },
    parts: ['container', 'engine network', 'gateway address', 'processes', 'directory', 'forwarding rules'],
    async leftovers(id) {
      const containers = await docker().listContainers({ all: true, filters: labelled(id) });
      const networks = await docker().listNetworks({ filters: labelled(id) });
      for (const network of networks) {
        const gateway = network.IPAM?.Config?.[0]?.Gateway;
        if (gateway) gateways.set(id, gateway);
      }
      const gateway = gateways.get(id);
      const dir = path.join(baseDir(), id);
      return {
        container: containers.map((container) => `${container.Names.join(',')} (${container.State})`),
        'engine network': networks.map((network) => network.Name),
        'gateway address': gateway ? await heldAddresses(gateway) : [],
        processes: processesNaming(dir),
        directory: existingPaths(dir),
        'forwarding rules': await forwardingRulesOf(id),
      };
    },
    broker: true,
    deadOwner: {
      async leave(id, { brokerUrl }) {
        const owner = await spawnBridgeOwner('oci', id, { SOCKET: socketPath(), IMAGE: image, BASE_DIR: baseDir(), BROKER_URL: brokerUrl ?? '', PUBLIC_ADDRESS: testMediaAddress.local });
        owners.push(owner);
        await owner.kill();
      },
    },
  };
}
