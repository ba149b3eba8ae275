// Join benchmark: time from a participant starting to join (its ticket request) to the first
// decoded frame of another participant's camera, in headless Chromium, through Plenum
// (controller + signaling + sandboxed bridge), through Plenum with the browser's media relayed
// by the embedded TURN server over TLS, and against a minimal page that speaks the Janus API of
// a bare janus itself, in one run. See bench/README.md.
//
//   node bench/join.mjs [--runs N] [--warmup W] [--codec vp8|vp9|av1] [--pause MS]
//                       [--variants plenum,direct,turn] [--out FILE]
//
// Runs the compiled controller (packages/controller/dist; `npm run bench` builds it) in a
// child process, bench/controllerProcess.mjs. Needs root: network namespaces.
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { devLogin } from './devLogin.mjs';
import { createPublicAddress, killLeftoverCoturn, peerConnectionHook, relayedOverTls, selectedPairs, turnTlsPort } from './turnTls.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const dist = (file) => new URL(`../packages/controller/dist/${file}`, import.meta.url).href;
const { addressesFor, createNamespace, deleteNamespace, hostAddresses } = await import(dist('bridge/launchers/shared/networkNamespace.js'));
const { writeJanusConfig } = await import(dist('bridge/launchers/shared/janusConfig.js'));
const { videoroomCreateRequest } = await import(dist('bridge/conference/conferenceBridge.js'));

const usage = `usage: npm run bench -- join [options]

  --runs N      measured joins per variant (default 10)
  --warmup W    joins per variant before measuring, not counted (default 1)
  --codec C     the room's video codec: vp8, vp9 or av1 (default vp8)
  --pause MS    wait between joins, so that one's teardown does not overlap the next (default 1000)
  --variants V  comma-separated, of plenum, direct and turn (Plenum through TURN/TLS) (default all)
  --out FILE    JSON results (default bench/results/join-<ISO date>.json)

Needs root (network namespaces, a public address for the TURN variant), /usr/bin/chromium
(PLENUM_TEST_CHROMIUM overrides) and, for the turn variant, coturn (turnserver).
`;

/** The variants, in the order they are run and shown; their column headings. */
const variantNames = ['plenum', 'direct', 'turn'];
const variantLabels = { plenum: 'Plenum', direct: 'direct', turn: 'TURN/TLS' };

function fail(message) {
  process.stderr.write(`${message}\n\n${usage}`);
  process.exit(1);
}

function readOptions() {
  let values;
  try {
    values = parseArgs({
      options: {
        runs: { type: 'string', default: '10' },
        warmup: { type: 'string', default: '1' },
        codec: { type: 'string', default: 'vp8' },
        pause: { type: 'string', default: '1000' },
        variants: { type: 'string', default: variantNames.join(',') },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const count = (name, min) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < min) fail(`--${name} must be an integer ≥ ${min}, got ${values[name]}`);
    return value;
  };
  if (!['vp8', 'vp9', 'av1'].includes(values.codec)) fail(`--codec must be vp8, vp9 or av1, got ${values.codec}`);
  const variants = values.variants.split(',').map((name) => name.trim());
  const unknown = variants.filter((name) => !variantNames.includes(name));
  if (unknown.length > 0 || variants.length === 0) fail(`--variants takes ${variantNames.join(', ')}; got ${values.variants}`);
  return {
    runs: count('runs', 1),
    warmup: count('warmup', 0),
    pause: count('pause', 0),
    codec: values.codec,
    // In the order of the table, whatever the order given.
    variants: variantNames.filter((name) => variants.includes(name)),
    out: values.out,
  };
}

const options = readOptions();
if (process.getuid?.() !== 0) fail('the join benchmark needs root: bridges and the baseline Janus run in network namespaces');

/** Epoch milliseconds with sub-millisecond precision: the same clock as the pages' `performance.timeOrigin + performance.now()`. */
const clock = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value) => Math.round(value * 10) / 10;

// --- statistics -------------------------------------------------------------------------------

/** min, p50, p95, max, mean (nearest-rank percentiles: with 10 samples p95 is the largest). */
function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (q) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  return { n, min: round(sorted[0]), p50: round(at(0.5)), p95: round(at(0.95)), max: round(sorted[n - 1]), mean: round(sorted.reduce((a, b) => a + b, 0) / n) };
}

/** All CPUs' busy and total time from /proc/stat, in clock ticks. */
function machineTicks() {
  const values = (readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - (values[3] ?? 0) - (values[4] ?? 0), total };
}

// --- the pages --------------------------------------------------------------------------------

/**
 * The media test page (packages/web/test-support/mediaPage/: the web client's own conference
 * session), bundled with its Vite config into `outDir` as the controller's tests bundle it.
 */
async function buildMediaPage(outDir) {
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'packages/web/test-support/mediaPage/vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

const contentTypes = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json; charset=utf-8' };
const pageCsp = "default-src 'none'; script-src 'self'; connect-src ws: wss:; media-src 'self' blob: mediastream:; base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'";

/** Builds the media page into `dir` and serves both pages on 127.0.0.1 (a secure context, so getUserMedia works). */
async function servePages(dir) {
  await buildMediaPage(dir);
  const pageFiles = {
    '/direct/page.html': path.join(here, 'directJanusPage/page.html'),
    '/direct/page.js': path.join(here, 'directJanusPage/page.js'),
  };
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) pageFiles[`/plenum/${path.relative(dir, path.join(entry.parentPath, entry.name))}`] = path.join(entry.parentPath, entry.name);
  }
  const server = createServer((request, response) => {
    const file = pageFiles[new URL(request.url ?? '/', 'http://127.0.0.1').pathname];
    if (request.method !== 'GET' || file === undefined) {
      response.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => response.writeHead(200, { 'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', 'content-security-policy': pageCsp }).end(body),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    plenumUrl: `http://127.0.0.1:${port}/plenum/page.html`,
    directUrl: `http://127.0.0.1:${port}/direct/page.html`,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}

/**
 * Headless Chromium with fake camera and microphone, as the media tests launch it. It accepts
 * the embedded TURN server's self-signed certificate (`--ignore-certificate-errors`); nothing
 * else in this benchmark uses TLS.
 */
async function launchChromium(dir) {
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.PLENUM_TEST_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    permissions: ['camera', 'microphone'],
    // The bench's own handlers close it, then everything else (Playwright's would exit at once).
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--ignore-certificate-errors',
    ],
  });
  context.setDefaultTimeout(20_000);
  return context;
}

/** Uncaught errors of each page, for failure messages. */
const pageErrors = new WeakMap();

/** A new tab on `url`; a measured one (`hook`) keeps its peer connections for `selectedPairs`, relayed over TLS only with `hook.relayOverTls`. */
async function openPage(context, url, api, hook) {
  const page = await context.newPage();
  const errors = [];
  pageErrors.set(page, errors);
  page.on('pageerror', (error) => errors.push(error.message));
  if (hook) await page.addInitScript(peerConnectionHook, hook.relayOverTls);
  await page.goto(url);
  await page.waitForFunction((name) => name in globalThis, api);
  return page;
}

/** Evaluates `read` in the page every 50 ms until `done`; the page records its own times, so polling adds nothing to them. */
async function pollPage(page, read, arg, done, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await page.evaluate(read, arg);
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}; page errors: ${(pageErrors.get(page) ?? []).join(' | ')}`);
    await sleep(50);
  }
}

// --- processes ----------------------------------------------------------------------------------

/** Controller processes started and not yet exited, for the clean-up (one may not be ready yet). */
const controllerChildren = new Set();

/**
 * bench/controllerProcess.mjs with conference bridges in the sandbox; resolves once it listens.
 * `media`: where browsers send media and the TURN settings (PLENUM_MEDIA_PUBLIC_ADDRESS,
 * PLENUM_TURN*).
 */
function startController(bridgeDir, media) {
  const child = spawn(process.execPath, [path.join(here, 'controllerProcess.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      BENCH_BACKEND: 'memory',
      PLENUM_LOG_LEVEL: 'warn',
      PLENUM_BRIDGE_LAUNCHER: 'sandbox',
      PLENUM_BRIDGE_DIR: bridgeDir,
      PLENUM_RATE_LIMIT_PER_MINUTE: '1000000',
      ...media,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  controllerChildren.add(child);
  child.once('exit', () => controllerChildren.delete(child));
  const logs = [];
  const keep = (line) => {
    if (line && !/oidc-provider WARNING|in-memory adapter is used/.test(line)) logs.push(line.slice(0, 1000));
  };
  let pending = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`controller not ready within 60 s:\n${logs.join('\n')}`)), 60_000);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      pending += chunk;
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.startsWith('BENCH_READY ')) {
          clearTimeout(timer);
          resolve({ child, logs, ...JSON.parse(line.slice('BENCH_READY '.length)) });
        } else keep(line);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => chunk.split('\n').forEach(keep));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`controller exited with ${code}:\n${logs.join('\n')}`));
    });
  });
}

async function stopProcess(child, timeoutMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

async function waitForPort(host, port, timeoutMs, exited) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (exited()) throw new Error('janus exited during start-up');
    if (Date.now() > deadline) throw new Error(`janus not listening on ${host}:${port} within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/**
 * The baseline: bare `janus` (no sandbox, no controller) in a network namespace of its own,
 * with the configuration a Plenum bridge gets, its WebSocket API on the namespace's address.
 */
async function startDirectJanus(baseDir) {
  const used = await hostAddresses();
  let slot;
  for (let i = 0; i < 1000 && slot === undefined; i++) {
    const candidate = randomInt(32_768);
    if (!used.has(addressesFor(candidate).host)) slot = candidate;
  }
  if (slot === undefined) throw new Error('no free address slot for the baseline janus');
  const network = await createNamespace(`bj${randomBytes(4).toString('hex')}`, slot);
  const dir = path.join(baseDir, 'direct-janus');
  const apiSecret = randomBytes(16).toString('hex');
  const port = 8188;
  let child;
  const close = async () => {
    if (child) await stopProcess(child, 5000);
    await deleteNamespace(network);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    await writeJanusConfig({ dir, mediaAddress: network.address, rtpPorts: [20_000, 20_099], apiSecret, transport: { kind: 'websocket', address: network.address, port } });
    child = spawn('ip', ['netns', 'exec', network.name, 'janus', '-F', dir, '-C', path.join(dir, 'janus.jcfg'), '-o', '-N', '-L', path.join(dir, 'janus.log')], {
      stdio: 'ignore',
    });
    await waitForPort(network.address, port, 10_000, () => child.exitCode !== null);
  } catch (error) {
    await close();
    throw error;
  }
  return { url: `ws://${network.address}:${port}`, apiSecret, close };
}

// --- REST -------------------------------------------------------------------------------------

async function api(baseUrl, method, route, token, body) {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: HTTP ${response.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** The controller answers /readyz: for the TURN variant, its coturn runs. */
async function assertReady(baseUrl) {
  const response = await fetch(`${baseUrl}/readyz`);
  if (!response.ok) throw new Error(`controller not ready: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
}

// --- the variants -------------------------------------------------------------------------------

/** Phases of one join in ms; they add up to `total` (ticket request → first decoded frame). */
function phases({ t0, t1, joinCalled, socketOpen, joined, sub }) {
  return {
    ticket: t1 - t0,
    handoff: joinCalled - t1,
    connect: socketOpen - joinCalled,
    join: joined - socketOpen,
    subscribe: sub.offerReceived - joined,
    answer: sub.answerSent - sub.offerReceived,
    ice: sub.iceConnected - sub.answerSent,
    dtls: sub.connected - sub.iceConnected,
    firstFrame: sub.firstFrame - sub.connected,
    total: sub.firstFrame - t0,
  };
}

/**
 * Plenum: Alice publishes in a room; each join is Bob's, receive-only, through the controller.
 * With `relayOverTls` (the TURN/TLS variant), Bob's page may use nothing but the `turns:` URL
 * the controller hands it in `join_success`, and a join counts only if getStats shows its media
 * relayed over TLS. `publisher`: more options for Alice's `plenum.join`.
 */
async function plenumVariant(context, pages, baseUrl, { relayOverTls = false, publisher: publisherOptions = {} } = {}) {
  const [alice, bob] = await Promise.all([devLogin(baseUrl, 'alice', 'plenum'), devLogin(baseUrl, 'bob', 'plenum')]);
  const room = await api(baseUrl, 'POST', '/v1/rooms', alice.accessToken, { name: 'Join benchmark', videoCodec: options.codec });
  const wsUrl = `${baseUrl.replace('http', 'ws')}/v1/signaling`;
  const ticket = async (token) => (await api(baseUrl, 'POST', `/v1/rooms/${room.id}/start`, token, {})).ticket;

  const publisher = await openPage(context, pages.plenumUrl, 'plenum');
  const { id: publisherId } = await publisher.evaluate((o) => globalThis.plenum.join(o), { wsUrl, ticket: await ticket(alice.accessToken), ...publisherOptions });
  // Measured joins start only once the publication is up and announced.
  await pollPage(publisher, () => globalThis.plenum.state(), undefined, (s) => s.publisher?.connectionState === 'connected' && s.media.video, 'the publication');
  // The ICE server URLs every participant gets (credentials left out), for the results.
  const iceUrls = await publisher.evaluate(() =>
    (globalThis.plenumLog.find((e) => e?.payload?.message === 'join_success')?.payload.modules?.media?.ice?.iceServers ?? []).flatMap((server) => server.urls),
  );
  if (relayOverTls && !iceUrls.some((url) => url.startsWith('turns:'))) throw new Error(`the controller hands out no turns: URL (ICE servers: ${JSON.stringify(iceUrls)})`);

  return {
    publisher,
    iceUrls,
    async join() {
      const page = await openPage(context, pages.plenumUrl, 'plenum', { relayOverTls });
      try {
        const t0 = clock();
        const bobTicket = await ticket(bob.accessToken);
        const t1 = clock();
        await page.evaluate((o) => globalThis.plenum.join(o), { wsUrl, ticket: bobTicket, receiveOnly: true, timeline: true });
        const timeline = await pollPage(page, () => globalThis.plenum.timeline(), undefined, (t) => t.subscriptions[publisherId]?.firstFrame !== undefined, 'the first frame');
        const { join } = timeline;
        const sample = phases({ t0, t1, joinCalled: join.joinCalled, socketOpen: join.socketOpen, joined: join.joinSuccess, sub: timeline.subscriptions[publisherId] });
        const pairs = await page.evaluate(selectedPairs);
        if (relayOverTls && !relayedOverTls(pairs)) throw new Error(`media not relayed over TLS: selected pairs ${JSON.stringify(pairs)}`);
        return { phases: sample, pairs };
      } finally {
        await page.evaluate(() => globalThis.plenum.leave()).catch(() => undefined);
        await page.close();
      }
    },
  };
}

/** Direct: a publisher page in the bare janus's room; each join is a page speaking the Janus API itself. */
async function directVariant(context, pages, janus) {
  const room = 'join-benchmark';
  const feed = 'publisher';
  const publisher = await openPage(context, pages.directUrl, 'direct');
  await publisher.evaluate((o) => globalThis.direct.publish(o), {
    url: janus.url,
    apiSecret: janus.apiSecret,
    room,
    createRequest: videoroomCreateRequest(room, options.codec),
    feed,
    video: { width: 320, height: 240, frameRate: 15 },
  });
  return {
    publisher,
    async join() {
      const page = await openPage(context, pages.directUrl, 'direct', { relayOverTls: false });
      try {
        const t0 = clock();
        await page.evaluate((o) => globalThis.direct.subscribe(o), { url: janus.url, apiSecret: janus.apiSecret, room, feed });
        const sub = await pollPage(page, () => globalThis.direct.timeline(), undefined, (t) => t.firstFrame !== undefined, 'the first frame');
        // No ticket: the client talks to Janus straight away; `join` is creating a session and attaching to the videoroom.
        const sample = phases({ t0, t1: t0, joinCalled: sub.joinCalled, socketOpen: sub.socketOpen, joined: sub.attached, sub });
        return { phases: sample, pairs: await page.evaluate(selectedPairs) };
      } finally {
        await page.evaluate(() => globalThis.direct.close()).catch(() => undefined);
        await page.close();
      }
    },
  };
}

// --- run ----------------------------------------------------------------------------------------

const has = (name) => options.variants.includes(name);
const baseDir = mkdtempSync(path.join(os.tmpdir(), 'plenum-bench-join-'));
// Its own directory: the launcher opens it (not its parents) to the bridges' users.
const bridgeDir = mkdtempSync(path.join(os.tmpdir(), 'plenum-bench-join-bridges-'));
// The TURN variant's controller: its bridges, and its coturn (under turn/), apart from the other's.
const turnBridgeDir = has('turn') ? mkdtempSync(path.join(os.tmpdir(), 'plenum-bench-join-turn-bridges-')) : undefined;
const samples = Object.fromEntries(options.variants.map((name) => [name, []]));
const failures = Object.fromEntries(options.variants.map((name) => [name, []]));
const load = { before: os.loadavg() };
/** The TURN variant's setting, for the results: public media address, TLS port, the ICE server URLs handed out. */
let turn;
let machine0;
let machineBusyPercent;
let pages;
let context;
let controller;
let turnController;
let publicAddress;
let janus;
let cleaning;
/** Stops and removes everything the run started and made, on success, failure or a signal. Idempotent. */
function cleanUp() {
  cleaning ??= (async () => {
    await context?.close().catch(() => undefined);
    // Each stops its bridges, and the TURN controller its coturn.
    await Promise.all([...controllerChildren].map((child) => stopProcess(child)));
    if (turnBridgeDir) {
      const killed = killLeftoverCoturn(turnBridgeDir);
      if (killed.length > 0) process.stderr.write(`[join] killed coturn the TURN controller left running: ${killed.join(', ')}\n`);
    }
    publicAddress?.remove();
    await janus?.close().catch(() => undefined);
    await pages?.close();
    rmSync(baseDir, { recursive: true, force: true });
    rmSync(bridgeDir, { recursive: true, force: true });
    if (turnBridgeDir) rmSync(turnBridgeDir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  })();
  return cleaning;
}
// A signal would skip the `finally` below (a second one ends the bench at once).
function onSignal(signal) {
  process.stderr.write(`\n[join] ${signal}: cleaning up\n`);
  void cleanUp().finally(() => process.exit(130));
}
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
try {
  pages = await servePages(path.join(baseDir, 'media-page'));
  context = await launchChromium(path.join(baseDir, 'chromium'));
  if (has('plenum')) {
    // Media to each bridge's own address, which only browsers on this machine reach, and no
    // TURN: the shortest path, and nothing on the machine's own (LAN) address.
    controller = await startController(bridgeDir, { PLENUM_MEDIA_PUBLIC_ADDRESS: 'internal', PLENUM_TURN: 'off' });
  }
  if (has('direct')) janus = await startDirectJanus(baseDir);
  if (has('turn')) {
    // As in production: media to a public address (forwarded into the bridges), and coturn on
    // it, started by the controller, with TLS on 443 if it is free there.
    publicAddress = await createPublicAddress(await hostAddresses());
    const tlsPort = await turnTlsPort(publicAddress.address);
    turnController = await startController(turnBridgeDir, {
      PLENUM_MEDIA_PUBLIC_ADDRESS: publicAddress.address,
      PLENUM_TURN: 'embedded',
      PLENUM_TURN_TLS_PORT: String(tlsPort),
    });
    await assertReady(turnController.url);
    turn = { publicAddress: publicAddress.address, tlsPort };
  }
  const started = [controller && `controller ${controller.url}`, janus && `baseline janus ${janus.url}`, turn && `TURN controller ${turnController.url} (media ${turn.publicAddress}, TURN/TLS port ${turn.tlsPort})`];
  process.stderr.write(`[join] ${started.filter(Boolean).join(', ')}; publishers starting\n`);
  const variants = {};
  if (has('plenum')) variants.plenum = await plenumVariant(context, pages, controller.url);
  if (has('direct')) variants.direct = await directVariant(context, pages, janus);
  if (has('turn')) {
    // Alice sends to the public address (only her candidates there go to the bridge); Bob relays.
    variants.turn = await plenumVariant(context, pages, turnController.url, { relayOverTls: true, publisher: { candidateAddressPrefixes: [turn.publicAddress] } });
    turn.iceUrls = variants.turn.iceUrls;
  }
  machine0 = machineTicks();
  // Interleaved, so that whatever else the machine does falls on all alike.
  for (let i = 0; i < options.warmup + options.runs; i++) {
    for (const [name, variant] of Object.entries(variants)) {
      try {
        const { phases: sample, pairs } = await variant.join();
        const negative = Object.entries(sample).filter(([, ms]) => !(ms >= 0));
        if (negative.length > 0) throw new Error(`steps out of order: ${JSON.stringify(sample)}`);
        if (i >= options.warmup) samples[name].push({ ...sample, pairs });
        process.stderr.write(i < options.warmup ? 'w' : '.');
      } catch (error) {
        failures[name].push(error instanceof Error ? error.message : String(error));
        process.stderr.write('x');
      }
      await sleep(options.pause);
    }
  }
  const machineNow = machineTicks();
  machineBusyPercent = round(((machineNow.busy - machine0.busy) / (machineNow.total - machine0.total || 1)) * os.cpus().length * 100);
} catch (error) {
  for (const [what, running] of [['controller', controller], ['TURN controller', turnController]]) {
    if (running?.logs.length) process.stderr.write(`${what} log (last lines):\n${running.logs.slice(-10).join('\n')}\n`);
  }
  throw error;
} finally {
  await cleanUp();
}
load.after = os.loadavg();
process.stderr.write('\n');

// --- report -------------------------------------------------------------------------------------

const phaseNames = {
  ticket: 'ticket (POST /start)',
  handoff: 'bench → page',
  connect: 'socket open',
  join: 'join (Plenum: control/join → join_success; direct: session + attach)',
  subscribe: 'subscribe → offer',
  answer: 'browser: offer → answer sent',
  ice: 'ICE (answer sent → connected)',
  dtls: 'DTLS',
  firstFrame: 'connected → first decoded frame',
  total: 'total: ticket request → first frame',
};
const results = {};
for (const name of options.variants) {
  if (samples[name].length === 0) continue;
  results[name] = Object.fromEntries(Object.keys(phaseNames).map((phase) => [phase, summary(samples[name].map((s) => s[phase]))]));
}
/** Each variant's selected candidate pairs, counted by kind: `relay/tls → host` and the like. */
const paths = {};
for (const name of options.variants) {
  const counts = {};
  for (const { pairs } of samples[name]) {
    const key = pairs.map((pair) => `${pair.localType}${pair.relayProtocol ? `/${pair.relayProtocol}` : ''} → ${pair.remoteType}`).join(', ') || 'none';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  paths[name] = counts;
}
if (turn) turn.relayedOverTls = { joins: samples.turn.filter(({ pairs }) => relayedOverTls(pairs)).length, of: samples.turn.length };

const cpu = os.cpus();
const out = [];
out.push(`\nJoin → first decoded remote frame, ${options.runs} joins each (after ${options.warmup} warm-up), codec ${options.codec}, interleaved.`);
out.push(`Machine: ${cpu.length} cores, ${cpu[0]?.model ?? '?'}, Node ${process.version}; load ${load.before.map((l) => l.toFixed(2)).join(' ')} → ${load.after.map((l) => l.toFixed(2)).join(' ')}; all CPUs busy ${machineBusyPercent ?? '?'} % of one core during the joins\n`);
const cell = (s) => (s ? `${s.p50} / ${s.p95}` : '—');
out.push(`${'phase (ms)'.padEnd(72)}${options.variants.map((name) => `${variantLabels[name]} p50 / p95`.padStart(22)).join('')}`);
for (const [phase, label] of Object.entries(phaseNames)) {
  out.push(`${label.padEnd(72)}${options.variants.map((name) => cell(results[name]?.[phase]).padStart(22)).join('')}`);
}
for (const name of options.variants) {
  const total = results[name]?.total;
  if (total) out.push(`${variantLabels[name].padEnd(9)} total ms: min ${total.min}, p50 ${total.p50}, p95 ${total.p95}, max ${total.max}, mean ${total.mean}`);
}
if (results.plenum && results.direct) out.push(`Plenum's overhead at the median: ${round(results.plenum.total.p50 - results.direct.total.p50)} ms`);
if (results.plenum && results.turn) out.push(`TURN/TLS's cost over Plenum at the median: ${round(results.turn.total.p50 - results.plenum.total.p50)} ms`);
out.push(`Selected candidate pairs (local → remote): ${options.variants.map((name) => `${variantLabels[name]}: ${Object.entries(paths[name]).map(([kind, n]) => `${kind} ×${n}`).join('; ') || '—'}`).join('. ')}`);
if (turn) {
  out.push(`TURN/TLS: media relayed over TLS in ${turn.relayedOverTls.joins} of ${turn.relayedOverTls.of} measured joins; ${turn.iceUrls?.find((url) => url.startsWith('turns:')) ?? 'no turns: URL'} (public media address ${turn.publicAddress})`);
}
for (const name of options.variants) if (failures[name].length > 0) out.push(`${variantLabels[name]}: ${failures[name].length} joins failed: ${failures[name].slice(0, 3).join(' | ')}`);
const file = options.out ?? path.join(root, 'bench', 'results', `join-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(
  file,
  JSON.stringify(
    {
      options,
      machine: { cores: cpu.length, model: cpu[0]?.model, memoryGB: round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version },
      load,
      machineBusyPercent,
      phases: phaseNames,
      results,
      paths,
      turn,
      samples,
      failures,
    },
    null,
    2,
  ),
);
out.push(`Results: ${path.relative(root, file)}\n`);
process.stdout.write(out.join('\n'));
// Failures are reported; the run fails only if a variant got no sample at all.
if (options.variants.some((name) => results[name] === undefined)) process.exitCode = 1;
