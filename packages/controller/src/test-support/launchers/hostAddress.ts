import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { addressesFor, createNamespace, deleteNamespace, hostAddresses } from '../../bridge/launchers/shared/networkNamespace.js';

const run = promisify(execFile);

/**
 * A stand-in for a machine's LAN address in tests and benchmarks of the host launcher: the
 * host side of a veth pair into a namespace made for the purpose, with an address from
 * 198.18.0.0/15 that nothing else uses. Janus never uses loopback for media, and tests must not
 * send to the machine's real address: a firewall rule drops whatever is sent from this address
 * to any other (Janus would otherwise answer a browser's checks from its other interfaces).
 */
export async function testHostAddress(): Promise<{ address: string; remove(): Promise<void> }> {
  const inUse = await hostAddresses();
  let slot = Math.floor(Math.random() * 32_768);
  while (inUse.has(addressesFor(slot).host)) slot = (slot + 1) % 32_768;
  const network = await createNamespace(`hostaddr${randomBytes(3).toString('hex')}`, slot);
  const address = network.hostAddress;
  const rule = ['OUTPUT', '-s', address, '!', '-d', address, '-j', 'DROP'];
  try {
    await run('iptables', ['-I', ...rule]);
  } catch (error) {
    await deleteNamespace(network);
    throw error;
  }
  return {
    address,
    async remove() {
      await run('iptables', ['-D', ...rule]).catch(() => undefined);
      await deleteNamespace(network);
    },
  };
}
