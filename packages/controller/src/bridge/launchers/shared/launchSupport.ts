import { chown, lchown, readdir, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { BridgeLaunchError } from '../../launcher.js';

/** Hands a bridge's directory to the user the bridge runs as (symlinks included). */
export async function chownTree(dir: string, id: number): Promise<void> {
  await chown(dir, id, id);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isSymbolicLink()) await lchown(full, id, id);
    else await chown(full, id, id);
  }
}

/** Fails clearly when a directory above the bridges' would keep their users out. */
export async function assertTraversable(dir: string): Promise<void> {
  for (let current = path.dirname(path.resolve(dir)); ; current = path.dirname(current)) {
    if (((await stat(current)).mode & 0o001) === 0) {
      throw new BridgeLaunchError('misconfigured', `bridges cannot reach ${dir}: ${current} is not searchable by other users (chmod o+x, or set PLENUM_BRIDGE_DIR)`);
    }
    if (current === path.dirname(current)) return;
  }
}

/** Resolves once something accepts TCP connections on address:port. */
export async function waitForPort(address: string, port: number, timeoutMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new BridgeLaunchError('start_failed', 'janus exited while starting');
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: address, port, timeout: 200 });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new BridgeLaunchError('start_timeout', `janus did not accept connections within ${timeoutMs} ms`);
}

/** Each bridge gets 100 UDP ports for media, from 20000 on; `block` picks which hundred. */
export function rtpPortsFor(block: number): [number, number] {
  const base = 20_000 + (block % 400) * 100;
  return [base, base + 99];
}
