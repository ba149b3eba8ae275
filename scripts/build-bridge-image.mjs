// Builds the bridge image for PLENUM_BRIDGE_LAUNCHER=oci without any container registry:
// a minimal Debian bookworm made with debootstrap from this machine's apt mirror, Debian's
// `janus` installed inside it, a non-root user, imported into podman. The result is what
// containers/janus/Containerfile describes; use that file where a registry is reachable.
//
//   node scripts/build-bridge-image.mjs [--tag plenum-janus:1.1.2] [--force]
//
// Needs root, debootstrap and podman (scripts/setup.mjs installs them). Takes about 80 s.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** The image's non-root user; the oci launcher runs each bridge under a uid of its own anyway. */
const bridgeUser = { name: 'janus', uid: 10001 };
const defaultTag = 'plenum-janus:1.1.2';

function log(message) {
  process.stdout.write(`[bridge-image] ${message}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) throw new Error(`failed (${String(result.status ?? result.signal)}): ${command} ${args.join(' ')}`);
}

/**
 * The Debian mirror this machine's apt uses (deb822 `.sources` or one-line `sources.list`),
 * so the image is built from the same place the machine installs from.
 */
export function debianMirror() {
  const files = [
    ...(existsSync('/etc/apt/sources.list.d') ? readdirSync('/etc/apt/sources.list.d').filter((f) => f.endsWith('.sources') || f.endsWith('.list')).map((f) => path.join('/etc/apt/sources.list.d', f)) : []),
    '/etc/apt/sources.list',
  ].filter((file) => existsSync(file));
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const block of text.split(/\n\s*\n/)) {
      const uris = /^URIs:\s*(\S+)/m.exec(block)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(block)?.[1] ?? '';
      if (uris && /\bbookworm\b/.test(suites) && !uris.includes('security')) return uris;
    }
    const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text);
    if (line?.[1] && !line[1].includes('security')) return line[1];
  }
  throw new Error('no bookworm mirror in /etc/apt/sources.list(.d): cannot tell debootstrap where to fetch from');
}

/** True when the engine already has the image. */
export function imageExists(tag) {
  return spawnSync('podman', ['image', 'exists', tag], { stdio: 'ignore' }).status === 0;
}

export function buildBridgeImage(tag = defaultTag) {
  if (process.getuid?.() !== 0) throw new Error('building the bridge image needs root (debootstrap, podman import)');
  for (const command of ['debootstrap', 'podman']) {
    if (spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status !== 0) throw new Error(`${command} is not installed (see scripts/setup.mjs)`);
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'plenum-bridge-image-'));
  const rootfs = path.join(work, 'rootfs');
  try {
    const mirror = debianMirror();
    log(`debootstrap bookworm from ${mirror}`);
    run('debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror], { stdio: ['ignore', 'ignore', 'inherit'] });
    // No service may start inside the build root (janus's package would start its daemon).
    writeFileSync(path.join(rootfs, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
    log('installing janus inside');
    // debootstrap --include=janus cannot resolve janus's dependency alternatives: apt inside can.
    run('chroot', [rootfs, 'apt-get', 'install', '-y', '-q', '--no-install-recommends', 'janus'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    run('chroot', [rootfs, 'apt-get', 'clean'], { env });
    rmSync(path.join(rootfs, 'usr/sbin/policy-rc.d'));
    for (const dir of ['var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/locale', 'var/log']) {
      rmSync(path.join(rootfs, dir), { recursive: true, force: true });
    }
    // No passwd package in minbase: the user is two lines.
    writeFileSync(path.join(rootfs, 'etc/passwd'), `${bridgeUser.name}:x:${bridgeUser.uid}:${bridgeUser.uid}:Janus bridge:/nonexistent:/usr/sbin/nologin\n`, { flag: 'a' });
    writeFileSync(path.join(rootfs, 'etc/group'), `${bridgeUser.name}:x:${bridgeUser.uid}:\n`, { flag: 'a' });
    log(`importing as ${tag}`);
    const tar = spawnSync('sh', ['-c', `tar -C '${rootfs}' --numeric-owner -c . | podman import --change 'USER=${bridgeUser.uid}:${bridgeUser.uid}' --change 'CMD ["janus", "--version"]' --message 'Plenum bridge: Debian bookworm + janus' - '${tag}'`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (tar.status !== 0) throw new Error('podman import failed');
    // Podman's default rlimits are above what a container host may grant: ask for less.
    const limits = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
    // Debian's janus 1.1.2 prints its version for -V/--version, then "Unknown option" and exits 1:
    // judge by what it printed, not by the exit code.
    const check = spawnSync('podman', ['--runtime', 'runc', 'run', '--rm', '--network', 'none', ...limits, tag, 'janus', '-V'], { encoding: 'utf8' });
    const version = /Janus version: \d+ \(([\d.]+)\)/.exec(check.stdout ?? '')?.[1];
    if (version === undefined) throw new Error(`the image runs no janus: ${(check.stderr || check.stdout || check.error?.message || '').trim().slice(0, 300)}`);
    log(`built ${tag}: janus ${version}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { tag: { type: 'string', default: defaultTag }, force: { type: 'boolean', default: false } } });
  if (!values.force && imageExists(values.tag)) {
    log(`${values.tag} exists (use --force to rebuild)`);
  } else {
    try {
      buildBridgeImage(values.tag);
    } catch (error) {
      log(error instanceof Error ? error.message : String(error));
      process.exit(1);
    }
  }
}
