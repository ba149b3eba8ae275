import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { z } from 'zod';

const run = promisify(execFile);

/** A Docker Engine API for tests and benchmarks: one already running, or a private service. */
export interface EngineService {
  socketPath: string;
  /** Stops the service if this process started it, and removes what it left on the machine. */
  stop(): Promise<void>;
}

async function answers(socketPath: string): Promise<boolean> {
  if (!existsSync(socketPath)) return false;
  return new Docker({ socketPath })
    .ping()
    .then(() => true)
    .catch(() => false);
}

/** True when the engine on `socketPath` is Docker's own (not podman's Docker-compatible API). */
async function isDocker(socketPath: string): Promise<boolean> {
  const version: unknown = await new Docker({ socketPath }).version().catch(() => undefined);
  // Docker names its engine component `Engine`; podman's Docker-compatible API says `Podman Engine`.
  const parsed = z.object({ Components: z.array(z.object({ Name: z.string() })) }).safeParse(version);
  return parsed.success && parsed.data.Components.some((component) => component.Name === 'Engine');
}

/** Waits until an engine answers on `socketPath`; false when `child` exits first or 30 s pass. */
async function started(child: ChildProcess, socketPath: string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (!(await answers(socketPath))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
async function stopProcess(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
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
  if (!(await started(child, socketPath))) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error('podman system service did not start (is podman installed? see scripts/setup.mjs)');
  }
  return {
    socketPath,
    async stop() {
      await stopProcess(child, exited, 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Where dockerd creates its plugin directory whatever its options say. */
const dockerPluginDir = '/run/docker';

/**
 * Docker Engine for tests: Docker's if it answers on `preferred` or /var/run/docker.sock,
 * otherwise Debian's `dockerd` started by this process with everything of its own in a
 * private directory (socket, data root, exec root with its containerd, trust key, config).
 * It leaves the machine's network alone: no default bridge, no iptables rules, no NAT, IPv4
 * forwarding as it was; containers' cgroups go under a parent of their own. `stop()` stops
 * it and removes the directory, that cgroup parent, and /run/docker if it made that.
 */
export async function useDockerEngine(preferred?: string): Promise<EngineService> {
  for (const socketPath of [preferred, '/var/run/docker.sock']) {
    if (socketPath && (await answers(socketPath)) && (await isDocker(socketPath))) return { socketPath, stop: () => Promise.resolve() };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'plenum-dockerd-'));
  const socketPath = path.join(dir, 'docker.sock');
  const cgroupParent = `plenum-dockerd-${randomBytes(4).toString('hex')}`;
  const madePluginDir = !existsSync(dockerPluginDir);
  // Without a config file of its own dockerd reads /etc/docker/daemon.json; the trust key would go to /etc/docker.
  writeFileSync(path.join(dir, 'daemon.json'), JSON.stringify({ 'deprecated-key-path': path.join(dir, 'key.json') }));
  const args = [
    '--host', `unix://${socketPath}`,
    '--data-root', path.join(dir, 'data'),
    '--exec-root', path.join(dir, 'exec'),
    '--pidfile', path.join(dir, 'docker.pid'),
    '--config-file', path.join(dir, 'daemon.json'),
    '--bridge', 'none',
    '--iptables=false',
    '--ip-forward=false',
    '--ip-masq=false',
    '--userland-proxy=false',
    '--cgroup-parent', `/${cgroupParent}`,
    '--log-level', 'error',
  ];
  const log = path.join(dir, 'dockerd.log');
  // SIGTERM when this process dies without stopping it (a test run killed): dockerd then stops its containers.
  const child: ChildProcess = spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', 'sh', '-c', 'exec dockerd "$@" >"$0" 2>&1', log, ...args], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanUp = () => {
    removeTree(dir);
    for (const hierarchy of cgroupHierarchies()) removeEmptyDirs(path.join(hierarchy, cgroupParent));
    if (madePluginDir) rmSync(dockerPluginDir, { recursive: true, force: true });
  };
  if (!(await started(child, socketPath))) {
    await stopProcess(child, exited, 5000);
    const why = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    cleanUp();
    throw new Error(`dockerd did not start${why ? `:\n${why}` : ''}`);
  }
  return {
    socketPath,
    async stop() {
      // dockerd stops its containers (10 s each at most) and its containerd before it exits.
      await stopProcess(child, exited, 30_000);
      cleanUp();
    },
  };
}

/** The mounted cgroup v1 hierarchies (or the v2 root): where a cgroup parent has directories. */
function cgroupHierarchies(): string[] {
  const root = '/sys/fs/cgroup';
  if (existsSync(path.join(root, 'cgroup.controllers'))) return [root];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(root, entry.name));
}

/** Removes a cgroup directory and its children (cgroup directories go with rmdir, not rm -r). */
function removeEmptyDirs(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeEmptyDirs(path.join(dir, entry.name));
  try {
    rmdirSync(dir);
  } catch {
    // Still in use: a process of a container that outlived its engine.
  }
}

/** Removes a directory, unmounting first whatever the engine left mounted below it. */
function removeTree(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) spawnSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

const buildScript = fileURLToPath(new URL('../../../../../scripts/build-bridge-image.mjs', import.meta.url));

async function hasImage(socketPath: string, image: string): Promise<boolean> {
  return new Docker({ socketPath })
    .getImage(image)
    .inspect()
    .then(() => true)
    .catch(() => false);
}

/**
 * Makes sure the engine has the bridge image: builds it into podman with
 * scripts/build-bridge-image.mjs unless podman has it (≈ 2 minutes), and copies it from
 * podman into any other engine (`podman save`, loaded and tagged through the engine's API). A
 * lock keeps parallel test files from building it twice.
 */
export async function ensureBridgeImage(socketPath: string, image: string): Promise<void> {
  if (await hasImage(socketPath, image)) return;
  await run('flock', [path.join(tmpdir(), 'plenum-bridge-image.lock'), process.execPath, buildScript, '--tag', image], { timeout: 600_000 });
  if (await hasImage(socketPath, image)) return;
  await copyFromPodman(socketPath, image);
  if (!(await hasImage(socketPath, image))) throw new Error(`building ${image} did not produce it`);
}

/** `podman save image`, loaded into the engine on `socketPath` under the same name. */
async function copyFromPodman(socketPath: string, image: string): Promise<void> {
  const docker = new Docker({ socketPath });
  const save = spawn('podman', ['save', '--format', 'docker-archive', image], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  save.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
  const saved = new Promise<void>((resolve, reject) =>
    save.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`podman save ${image} failed: ${stderr.trim()}`)))),
  );
  const progress = await docker.loadImage(save.stdout);
  await new Promise<void>((resolve, reject) => {
    progress.on('data', () => undefined);
    progress.once('end', resolve);
    progress.once('error', reject);
  });
  await saved;
  // podman names local images localhost/<name>; the launcher asks for the name as given.
  const [repo = image, tag = 'latest'] = image.split(/:(?=[^:/]+$)/);
  if (!(await hasImage(socketPath, image))) await docker.getImage(`localhost/${image}`).tag({ repo, tag });
}
