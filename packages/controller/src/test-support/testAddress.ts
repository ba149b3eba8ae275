import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** An extra address of this machine, for servers that refuse loopback. */
export interface TestAddress {
  readonly address: string;
  /** Deletes the interface and with it the address. Idempotent. */
  remove(): Promise<void>;
}

/**
 * Puts `address` (e.g. from 203.0.113.0/24, TEST-NET-3) on one end of a new veth pair named
 * `name` (≤ 13 characters; the peer is `<name>p`), both up. Needs root. A leftover interface
 * of that name (from a killed test run) is replaced.
 */
export async function addTestAddress(name: string, address: string): Promise<TestAddress> {
  await run('ip', ['link', 'del', name]).catch(() => undefined);
  await run('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
  await run('ip', ['addr', 'add', `${address}/32`, 'dev', name]);
  await run('ip', ['link', 'set', name, 'up']);
  await run('ip', ['link', 'set', `${name}p`, 'up']);
  let removed: Promise<void> | undefined;
  return {
    address,
    remove: () => (removed ??= run('ip', ['link', 'del', name]).then(() => undefined)),
  };
}
