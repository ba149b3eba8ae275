import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LauncherHarness } from '../../bridge/launcher.contract.js';
import { SandboxLauncher } from '../../bridge/launchers/sandbox/sandboxLauncher.js';
import { sweepStaleBridges } from '../../bridge/launchers/shared/ownerRecords.js';
import { namespaceNames, namespacePids } from '../../bridge/launchers/shared/networkNamespace.js';
import { spawnBridgeOwner, type BridgeOwner } from './ownerProcess.js';
import { existingLinks, existingNamespaces, existingPaths, forwardingRulesOf, processesNaming, testMediaAddress } from './probes.js';

/**
 * The sandbox launcher for the launcher contract: bridges under a directory of this harness,
 * owner records in one of its own (so its sweeps meet no other test file's bridges), media
 * forwarded from `testMediaAddress`. Dead launchers are `bridgeOwnerProcess.mjs` processes
 * killed with SIGKILL.
 */
export function sandboxHarness(): LauncherHarness {
  let root = '';
  const baseDir = () => path.join(root, 'bridges');
  const ownerDir = () => path.join(root, 'owners');
  const owners: BridgeOwner[] = [];
  return {
    async setUp() {
      root = mkdtempSync(path.join(tmpdir(), 'plenum-sandbox-contract-'));
      // Bridges run as users of their own: they must be able to pass through to their directories.
      chmodSync(root, 0o711);
    },
    async tearDown() {
      await Promise.all(owners.map((owner) => owner.kill()));
      await sweepStaleBridges(ownerDir());
      rmSync(root, { recursive: true, force: true });
    },
    async launcher({ brokerUrl }) {
      return new SandboxLauncher({ baseDir: baseDir(), ownerDir: ownerDir(), publicAddress: testMediaAddress, ...(brokerUrl ? { brokerUrl } : {}) });
    },
    async crash(bridge) {
      for (const pid of await namespacePids(namespaceNames(bridge.id).name)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone with its parent already.
        }
      }
    },
    parts: ['processes', 'directory', 'owner record', 'network namespace', 'veth', 'forwarding rules'],
    async leftovers(id) {
      const { name, hostInterface } = namespaceNames(id);
      const dir = path.join(baseDir(), id);
      return {
        processes: [...processesNaming(dir), ...(await namespacePids(name)).map((pid) => `${String(pid)} in ${name}`)],
        directory: existingPaths(dir),
        'owner record': existingPaths(path.join(ownerDir(), `${id}.json`)),
        'network namespace': await existingNamespaces(name),
        veth: await existingLinks(hostInterface),
        'forwarding rules': await forwardingRulesOf(id),
      };
    },
    broker: true,
    deadOwner: {
      async leave(id, { brokerUrl }) {
        const owner = await spawnBridgeOwner('sandbox', id, { BASE_DIR: baseDir(), OWNER_DIR: ownerDir(), BROKER_URL: brokerUrl ?? '', PUBLIC_ADDRESS: testMediaAddress.local });
        owners.push(owner);
        await owner.kill();
      },
    },
  };
}
