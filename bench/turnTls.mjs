// What the join benchmark's "Plenum through TURN/TLS" variant needs besides a controller: a
// stand-in public media address on this host, a port for TURN over TLS on it, a page hook that
// lets a measured page's peer connections reach the bridge only through TURN over TLS, and the
// check of the path they took. See bench/README.md (`join`). `peerConnectionHook` and
// `selectedPairs` run in the page.
/* global window */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ip = (...args) => run('ip', args, { timeout: 10_000 });

/**
 * A public media address for the controller: one of 203.0.113.80–127 not yet on this host
 * (documentation range; .1–60 and .77–.79 are the tests', and 192.0.2.0/24 may be this
 * machine's own LAN), held by one end of a veth pair, as this kernel has no dummy interfaces.
 * Browsers and the relay on this machine reach it; nothing outside does. `remove()` deletes
 * the pair (and the address with it); it is synchronous, so a signal handler can call it, and
 * idempotent.
 *
 * @param {Set<string>} used addresses already on the host
 * @returns {Promise<{ address: string, link: string, remove(): void }>}
 */
export async function createPublicAddress(used) {
  const free = [];
  for (let last = 80; last < 128; last++) if (!used.has(`203.0.113.${last}`)) free.push(`203.0.113.${last}`);
  if (free.length === 0) throw new Error('no free address in 203.0.113.80–127 for the public media address');
  const address = free[randomInt(free.length)];
  const link = `plbj${randomBytes(3).toString('hex')}`;
  let created = false;
  const remove = () => {
    if (!created) return;
    created = false;
    try {
      execFileSync('ip', ['link', 'del', link], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // Gone already.
    }
  };
  await ip('link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`);
  created = true;
  try {
    await ip('addr', 'add', `${address}/32`, 'dev', link);
    await ip('link', 'set', `${link}p`, 'up');
    await ip('link', 'set', link, 'up');
  } catch (error) {
    remove();
    throw error;
  }
  return { address, link, remove };
}

function tryListen(host, port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host, port, exclusive: true }, () => {
      const bound = server.address().port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * The TCP port for TURN over TLS on `address`: 443, as in production, if it is free there, else
 * a free ephemeral one (32768–60999: below the relay ports 61000–65535, never 3478).
 */
export async function turnTlsPort(address) {
  const port = (await tryListen(address, 443)) ?? (await tryListen(address, 0));
  if (port === undefined || port === 3478) throw new Error(`no free TCP port on ${address} for TURN over TLS`);
  return port;
}

/**
 * Kills (by pid) any coturn still running with its configuration under `dir` — one the
 * controller started there and did not stop (it was killed). Returns the pids.
 */
export function killLeftoverCoturn(dir) {
  const killed = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv;
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (path.basename(argv[0] ?? '') !== 'turnserver' || !argv.some((arg) => arg.startsWith(`${dir}${path.sep}`))) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      killed.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return killed;
}

/**
 * Runs in a measured page before the page's own script (Playwright `addInitScript`); serialised,
 * so it uses nothing outside itself. Every RTCPeerConnection is kept in `window.__benchPeers`
 * for `selectedPairs`. With `relayOverTls`, each one made after `join_success` gets only the
 * `turns:` URLs of the ICE servers the controller sent there (`modules.media.ice.iceServers`,
 * with this participant's credentials) and `iceTransportPolicy: 'relay'`: its only candidates
 * are relayed ones allocated over TLS, so its media can take no other path. The media test
 * page itself builds its connections with `iceServers: []` and is not changed.
 */
export function peerConnectionHook(relayOverTls) {
  const Native = window.RTCPeerConnection;
  const peers = [];
  Object.defineProperty(window, '__benchPeers', { value: peers });
  const overTls = (configuration) => {
    const joined = (window.plenumLog ?? []).findLast((event) => event?.namespace === 'control' && event?.payload?.message === 'join_success');
    if (joined === undefined) return configuration;
    const servers = joined.payload.modules?.media?.ice?.iceServers ?? [];
    const iceServers = servers
      .map((server) => ({ ...server, urls: [].concat(server.urls).filter((url) => url.startsWith('turns:')) }))
      .filter((server) => server.urls.length > 0);
    if (iceServers.length === 0) throw new Error(`join_success named no turns: URL: ${JSON.stringify(servers.map((server) => server.urls))}`);
    return { ...configuration, iceServers, iceTransportPolicy: 'relay' };
  };
  window.RTCPeerConnection = class extends Native {
    constructor(configuration) {
      super(relayOverTls ? overTls(configuration) : configuration);
      peers.push(this);
    }
  };
}

/**
 * Runs in a page with `peerConnectionHook`: the selected candidate pair of each connected peer
 * connection, as getStats reports it. `relayProtocol`: for a relayed local candidate, how the
 * browser reaches the TURN server (udp, tcp or tls).
 */
export async function selectedPairs() {
  const pairs = [];
  for (const pc of window.__benchPeers ?? []) {
    if (pc.connectionState !== 'connected') continue;
    const stats = new Map();
    (await pc.getStats()).forEach((report) => stats.set(report.id, report));
    for (const report of stats.values()) {
      if (report.type !== 'transport' || typeof report.selectedCandidatePairId !== 'string') continue;
      const pair = stats.get(report.selectedCandidatePairId);
      const local = pair && stats.get(pair.localCandidateId);
      const remote = pair && stats.get(pair.remoteCandidateId);
      if (!local || !remote) continue;
      pairs.push({
        localType: local.candidateType,
        relayProtocol: local.relayProtocol,
        localAddress: `${local.address}:${local.port}`,
        turnUrl: local.url,
        remoteType: remote.candidateType,
        remoteAddress: `${remote.address}:${remote.port}`,
        rttMs: pair.currentRoundTripTime === undefined ? undefined : Math.round(pair.currentRoundTripTime * 10_000) / 10,
      });
    }
  }
  return pairs;
}

/** Whether every pair (at least one) is relayed over TLS. */
export const relayedOverTls = (pairs) => pairs.length > 0 && pairs.every((pair) => pair.localType === 'relay' && pair.relayProtocol === 'tls');
