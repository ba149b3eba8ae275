import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LauncherHarness } from '../../bridge/launcher.contract.js';
import { HostLauncher } from '../../bridge/launchers/host/hostLauncher.js';
import { sweepStaleBridges } from '../../bridge/launchers/shared/ownerRecords.js';
import { testHostAddress } from './hostAddress.js';
import { spawnBridgeOwner, type BridgeOwner } from './ownerProcess.js';
import { existingPaths, processesNaming } from './probes.js';

/**
 * The host launcher for the launcher contract: media on an address made for the purpose
 * (`testHostAddress`), bridges and owner records under directories of this harness. Dead
 * launchers are `bridgeOwnerProcess.mjs` processes killed with SIGKILL.
 */
export function hostHarness(): LauncherHarness {
  let root = '';
  let host: Awaited<ReturnType<typeof testHostAddress>> | undefined;
  const baseDir = () => path.join(root, 'bridges');
  const ownerDir = () => path.join(root, 'owners');
  const owners: BridgeOwner[] = [];
  const mediaAddress = () => {
    if (!host) throw new Error('hostHarness: setUp() has not run');
    return host.address;
  };
  return {
    async setUp() {
      root = mkdtempSync(path.join(tmpdir(), 'plenum-host-contract-'));
      // Bridges run as users of their own: they must be able to pass through to their directories.
      chmodSync(root, 0o711);
      host = await testHostAddress();
    },
    async tearDown() {
      await Promise.all(owners.map((owner) => owner.kill()));
      await sweepStaleBridges(ownerDir());
      await host?.remove();
      rmSync(root, { recursive: true, force: true });
    },
    async launcher({ brokerUrl }) {
      return new HostLauncher({ baseDir: baseDir(), ownerDir: ownerDir(), mediaAddress: mediaAddress(), ...(brokerUrl ? { brokerUrl } : {}), warn: () => undefined });
    },
    async crash(bridge) {
      for (const entry of processesNaming(path.join(baseDir(), bridge.id))) {
        const [pid = '', name] = entry.split(' ');
        if (name === 'janus') process.kill(Number(pid), 'SIGKILL');
      }
    },
    parts: ['Janus process', 'directory', 'owner record'],
    async leftovers(id) {
      const dir = path.join(baseDir(), id);
      return {
        'Janus process': processesNaming(dir),
        directory: existingPaths(dir),
        'owner record': existingPaths(path.join(ownerDir(), `${id}.json`)),
      };
    },
    broker: true,
    deadOwner: {
      async leave(id, { brokerUrl }) {
        const owner = await spawnBridgeOwner('host', id, { BASE_DIR: baseDir(), OWNER_DIR: ownerDir(), MEDIA_ADDRESS: mediaAddress(), BROKER_URL: brokerUrl ?? '' });
        owners.push(owner);
        await owner.kill();
      },
    },
  };
}
