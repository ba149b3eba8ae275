// Shared set-up for `npm start` and `npm test`: whatever a fresh Debian machine lacks is
// installed here, so the README's two commands are all anyone needs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function log(message) {
  process.stdout.write(`[plenum] ${message}\n`);
}

/** Runs a command in the repository, inheriting output; exits the process if it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    log(`failed: ${command} ${args.join(' ')}`);
    process.exit(result.status ?? 1);
  }
}

/** Installs npm dependencies when node_modules is missing or older than the lock file. */
export function ensureNodeModules() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker)) return;
  log('installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function isInstalled(pkg) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

/**
 * Installs missing Debian packages with apt-get when running as root; otherwise stops with
 * the exact command to run. Services that packages would start (janus, coturn) are kept from
 * starting: Plenum starts its own bridges and its own TURN relay.
 */
export function ensureSystemPackages(packages) {
  if (!existsSync('/usr/bin/dpkg-query')) {
    log(`not a Debian-like system: make sure these are installed: ${packages.join(' ')}`);
    return;
  }
  const missing = packages.filter((pkg) => !isInstalled(pkg));
  if (missing.length === 0) return;
  const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    log(`missing system packages: ${missing.join(' ')}. Run as root:\n\n  sudo sh -c '${command}'\n`);
    process.exit(1);
  }
  log(`installing system packages: ${missing.join(' ')}`);
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update', '-q'], { env });
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

/**
 * Debian packages each bridge launcher (PLENUM_BRIDGE_LAUNCHER) needs on the controller's
 * machine. `oci`: podman with runc (crun fails on some hosts) and netavark, which needs
 * iptables, and aardvark-dns (podman turns DNS on for every network it makes); debootstrap builds the bridge image without a registry
 * (scripts/build-bridge-image.mjs). `host` uses prlimit and setpriv from util-linux, which
 * every Debian has. Every launcher with media on this machine runs coturn, the embedded TURN
 * relay (PLENUM_TURN=embedded, the default).
 */
export const launcherPackages = {
  sandbox: ['janus', 'bubblewrap', 'iproute2', 'iptables', 'coturn'],
  oci: ['podman', 'runc', 'netavark', 'aardvark-dns', 'iptables', 'debootstrap', 'iproute2', 'coturn'],
  kubernetes: [],
  host: ['janus', 'coturn'],
  none: [],
};

/** The packages for the launcher named in the environment (default sandbox); unknown names add nothing. */
export function packagesForLauncher(launcher = process.env.PLENUM_BRIDGE_LAUNCHER || 'sandbox') {
  return Object.hasOwn(launcherPackages, launcher) ? launcherPackages[launcher] : [];
}

/** Compiles the TypeScript packages and bundles the web client. */
export function build() {
  log('building');
  run('npx', ['tsc', '-b']);
  run('npm', ['run', 'build', '-w', '@plenum/web', '--silent']);
}

export function nodeVersionOk() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    log(`Node.js ${process.versions.node} is too old; Plenum needs 20.19 or newer.`);
    process.exit(1);
  }
}

export function commandExists(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
