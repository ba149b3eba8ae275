import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface BridgeOwner {
  child: ChildProcess;
  /** Resolves when the owner process has exited. */
  exited: Promise<void>;
  /** SIGKILLs the owner, as if its controller crashed, and waits until it is gone. */
  kill(): Promise<void>;
}

/**
 * Starts `bridgeOwnerProcess.mjs`: a separate process that launches one bridge with the named
 * launcher and then waits, so a test can kill it like a crashed controller. `env` carries the
 * launcher's settings (see the script's header).
 */
export async function spawnBridgeOwner(launcher: 'sandbox' | 'oci' | 'host', id: string, env: Record<string, string>): Promise<BridgeOwner> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'bridgeOwnerProcess.mjs')], {
    env: { ...process.env, ...env, LAUNCHER: launcher, BRIDGE_ID: id },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bridge owner process exited (${String(code)}) before its bridge ran`)));
  });
  const launched = JSON.parse(line) as { id?: unknown; pid?: unknown };
  if (launched.id !== id || launched.pid !== child.pid) throw new Error(`bridge owner printed ${line}`);
  return {
    child,
    exited,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
