import { CodedError } from '../../../errors.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Where browsers send media. `advertised` goes into every ICE candidate of every bridge
 * (`nat_1_1_mapping`); `local` is this machine's address that media arrives at, forwarded
 * into each bridge's namespace or container. They differ behind a cloud's 1:1 NAT.
 */
export interface MediaAddress {
  advertised: string;
  local: string;
  /** How it was found, for the start-up line. */
  source: 'configured' | 'configured, behind 1:1 NAT' | 'detected';
}

/** The IPv4 addresses of this host that a bridge may use: global scope, not the bridges' own veths. */
export async function usableAddresses(): Promise<string[]> {
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show', 'scope', 'global'], { timeout: 5000 });
  const addresses: string[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^\d+:\s+(\S+)\s+inet (\d+\.\d+\.\d+\.\d+)\//.exec(line);
    if (!match?.[1] || !match[2]) continue;
    // Bridges' veths (198.18.0.0/15) and container engines' bridges are never what browsers reach.
    if (/^(plh-|veth|podman|cni-|docker|br-)/.test(match[1]) || /^198\.(18|19)\./.test(match[2])) continue;
    addresses.push(match[2]);
  }
  return addresses;
}

/** The source address of the default route, if there is one (a route lookup; nothing is sent). */
async function defaultRouteSource(): Promise<string | undefined> {
  const { stdout } = await run('ip', ['-4', 'route', 'show', 'default'], { timeout: 5000 }).catch(() => ({ stdout: '' }));
  const device = /\bdev (\S+)/.exec(stdout)?.[1];
  if (!device) return undefined;
  const { stdout: addr } = await run('ip', ['-o', '-4', 'addr', 'show', 'dev', device, 'scope', 'global'], { timeout: 5000 }).catch(() => ({ stdout: '' }));
  return /inet (\d+\.\d+\.\d+\.\d+)\//.exec(addr)?.[1];
}

/** The address `PLENUM_MEDIA_PUBLIC_ADDRESS` names, if it names one (not `auto` or `internal`). */
export function explicitAddress(setting: string): string | undefined {
  return setting === 'auto' || setting === 'internal' ? undefined : setting;
}

/** `no_address`: no usable IPv4 address for media on this machine, or none a 1:1 NAT could forward to. */
export class MediaAddressError extends CodedError<'no_address'> {
  override readonly name = 'MediaAddressError';
}

/**
 * Resolves `PLENUM_MEDIA_PUBLIC_ADDRESS`: `auto` picks the machine's primary address (the
 * default route's, else the first usable one); an address of this machine is used as it is;
 * any other address is taken as a 1:1 NAT in front of the primary one.
 */
export async function resolveMediaAddress(setting: string): Promise<MediaAddress> {
  const local = await usableAddresses();
  const primary = (await defaultRouteSource()) ?? local[0];
  if (setting === 'auto') {
    if (!primary) {
      throw new MediaAddressError('no_address', 'no address for media: this machine has no non-loopback IPv4 address; set PLENUM_MEDIA_PUBLIC_ADDRESS to the address browsers reach, or PLENUM_MEDIA_PUBLIC_ADDRESS=internal for browsers on this machine only');
    }
    return { advertised: primary, local: primary, source: 'detected' };
  }
  if (local.includes(setting)) return { advertised: setting, local: setting, source: 'configured' };
  if (!primary) {
    throw new MediaAddressError('no_address', `PLENUM_MEDIA_PUBLIC_ADDRESS=${setting} is not an address of this machine, and it has no other address that a 1:1 NAT could forward it to`);
  }
  return { advertised: setting, local: primary, source: 'configured, behind 1:1 NAT' };
}
