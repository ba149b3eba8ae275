import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';

const run = promisify(execFile);

/** A Docker Engine API for tests and benchmarks: one already running, or a private podman service. */
export interface EngineService {
  socketPath: string;
  /** Stops the service if this process started it. */
  stop(): Promise<void>;
}

async function answers(socketPath: string): Promise<boolean> {
  if (!existsSync(socketPath)) return false;
  return new Docker({ socketPath })
    .ping()
    .then(() => true)
    .catch(() => false);
}

/**
 * Uses `preferred` (or podman's rootful socket) if an engine answers there; otherwise starts
 * `podman system service` on a private socket. runc, not crun: crun fails on some hosts.
 */
export async function useEngine(preferred?: string): Promise<EngineService> {
  for (const socketPath of [preferred, '/run/podman/podman.sock']) {
    if (socketPath && (await answers(socketPath))) return { socketPath, stop: () => Promise.resolve() };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'plenum-podman-'));
  const socketPath = path.join(dir, 'podman.sock');
  const child: ChildProcess = spawn('podman', ['--runtime', 'runc', 'system', 'service', '--time', '0', `unix://${socketPath}`], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 15_000;
  while (!(await answers(socketPath))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error('podman system service did not start (is podman installed? see scripts/setup.mjs)');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    socketPath,
    async stop() {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const buildScript = fileURLToPath(new URL('../../../../../scripts/build-bridge-image.mjs', import.meta.url));

/**
 * Builds the bridge image with scripts/build-bridge-image.mjs unless the engine has it
 * (≈ 2 minutes). A lock keeps parallel test files from building it twice.
 */
export async function ensureBridgeImage(socketPath: string, image: string): Promise<void> {
  const has = () =>
    new Docker({ socketPath })
      .getImage(image)
      .inspect()
      .then(() => true)
      .catch(() => false);
  if (await has()) return;
  await run('flock', [path.join(tmpdir(), 'plenum-bridge-image.lock'), process.execPath, buildScript, '--tag', image], { timeout: 600_000 });
  if (!(await has())) throw new Error(`building ${image} did not produce it`);
}
