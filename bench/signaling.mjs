// Signaling benchmark: N clients in one room on one controller, measured twice, on the embedded
// backends (in-process store and broker) and on Redis + RabbitMQ. See bench/README.md.
//
//   node bench/signaling.mjs [--clients N] [--messages M] [--rate R] [--concurrency C]
//                            [--backends memory,redis] [--out FILE] [--profile]
//
// Runs the compiled controller (packages/controller/dist; build with `npx tsc -b`, which
// `npm run bench` does) in a child process, bench/controllerProcess.mjs, and holds all clients
// in this process.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { devLogin } from './devLogin.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const { signalingSubprotocol, ticketSubprotocolPrefix } = await import(
  new URL('../packages/protocol/dist/index.js', import.meta.url).href
);

const usage = `usage: npm run bench -- signaling [options]

  --clients N        simulated clients in one room (default 1000)
  --messages M       chat messages in the fan-out phase (default 200)
  --rate R           messages per second sent in the fan-out phase (default 20)
  --concurrency C    clients joining at the same time (default 50)
  --backends LIST    memory, redis or both, comma-separated (default memory,redis)
  --redis-url URL    default redis://127.0.0.1:6379
  --amqp-url URL     default amqp://guest:guest@127.0.0.1:5672
  --out FILE         JSON results (default bench/results/signaling-<ISO date>.json)
  --finish end|drop  last phase: a moderator ends the meeting for all (default), or every
                     client drops its socket at once
  --profile          also write a V8 CPU profile of each controller to bench/results/profiles/
`;

function fail(message) {
  process.stderr.write(`${message}\n\n${usage}`);
  process.exit(1);
}

function readOptions(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        clients: { type: 'string', default: '1000' },
        messages: { type: 'string', default: '200' },
        rate: { type: 'string', default: '20' },
        concurrency: { type: 'string', default: '50' },
        backends: { type: 'string', default: 'memory,redis' },
        'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
        'amqp-url': { type: 'string', default: 'amqp://guest:guest@127.0.0.1:5672' },
        out: { type: 'string' },
        profile: { type: 'boolean', default: false },
        finish: { type: 'string', default: 'end' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (parsed.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const positive = (name) => {
    const value = Number(parsed[name]);
    if (!Number.isInteger(value) || value < 1) fail(`--${name} must be a positive integer, got ${parsed[name]}`);
    return value;
  };
  const backends = parsed.backends.split(',').map((b) => b.trim()).filter(Boolean);
  for (const backend of backends) if (backend !== 'memory' && backend !== 'redis') fail(`unknown backend ${backend}`);
  if (backends.length === 0) fail('--backends is empty');
  if (parsed.finish !== 'end' && parsed.finish !== 'drop') fail(`--finish must be end or drop, got ${parsed.finish}`);
  const clients = positive('clients');
  if (clients < 2) fail('--clients must be at least 2');
  return {
    clients,
    messages: positive('messages'),
    rate: positive('rate'),
    concurrency: positive('concurrency'),
    backends,
    redisUrl: parsed['redis-url'],
    amqpUrl: parsed['amqp-url'],
    out: parsed.out,
    profile: parsed.profile,
    finish: parsed.finish,
  };
}

// --- measuring ----------------------------------------------------------------------------------

const clockTicks = 100; // USER_HZ: 100 on every Linux architecture Node runs on.

/** utime + stime of a process, in seconds; undefined once it is gone. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses; everything after the last ')' is fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/** VmRSS and VmHWM (peak RSS since the process started), in MiB. */
function memory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

/** All CPUs' busy and total time from /proc/stat, in clock ticks. */
function machineTicks() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = sum(values);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** CPU seconds of every process, with its command name. */
function allProcesses() {
  const found = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      found.set(Number(entry), { comm, seconds: (Number(fields[11]) + Number(fields[12])) / clockTicks });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** Processes of Redis and RabbitMQ on this machine (when they run here), by command name. */
function infrastructurePids() {
  const found = { redis: [], rabbitmq: [] };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'redis-server') found.redis.push(Number(entry));
      else if (comm === 'beam.smp') found.rabbitmq.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/**
 * CPU and memory of the controller (and of Redis/RabbitMQ, if given) over one phase, plus the
 * bench process's own CPU and event-loop delay. CPU is in % of one core.
 */
class PhaseMeter {
  #pid;
  #others;
  #timer;
  #start = 0;
  #cpu0 = 0;
  #others0 = {};
  #self0;
  #machine0;
  #processes0;
  #peakRss = 0;
  #delay = monitorEventLoopDelay({ resolution: 10 });

  constructor(pid, others = {}) {
    this.#pid = pid;
    this.#others = others;
  }

  start() {
    this.#start = performance.now();
    this.#cpu0 = cpuSeconds(this.#pid) ?? 0;
    for (const [name, pids] of Object.entries(this.#others)) this.#others0[name] = sum(pids.map((p) => cpuSeconds(p) ?? 0));
    this.#self0 = process.cpuUsage();
    this.#machine0 = machineTicks();
    this.#processes0 = allProcesses();
    this.#peakRss = memory(this.#pid).rss;
    this.#delay.reset();
    this.#delay.enable();
    this.#timer = setInterval(() => {
      this.#peakRss = Math.max(this.#peakRss, memory(this.#pid).rss);
    }, 100);
  }

  stop() {
    clearInterval(this.#timer);
    this.#delay.disable();
    const seconds = (performance.now() - this.#start) / 1000;
    const self = process.cpuUsage(this.#self0);
    const mem = memory(this.#pid);
    const others = {};
    for (const [name, pids] of Object.entries(this.#others)) {
      others[name] = round(((sum(pids.map((p) => cpuSeconds(p) ?? 0)) - this.#others0[name]) / seconds) * 100, 1);
    }
    const machineNow = machineTicks();
    // The busiest processes other than the controller and this bench, to explain "other".
    const known = new Set([this.#pid, process.pid, ...Object.values(this.#others).flat()]);
    const busiest = [];
    for (const [pid, { comm, seconds: now }] of allProcesses()) {
      if (known.has(pid)) continue;
      const used = now - (this.#processes0.get(pid)?.seconds ?? 0);
      if (used > 0) busiest.push({ pid, comm, cpuPercent: round((used / seconds) * 100, 1) });
    }
    busiest.sort((a, b) => b.cpuPercent - a.cpuPercent);
    const controllerCpu = (((cpuSeconds(this.#pid) ?? this.#cpu0) - this.#cpu0) / seconds) * 100;
    const benchCpu = ((self.user + self.system) / 1e6 / seconds) * 100;
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    const machineBusy = ((machineNow.busy - this.#machine0.busy) / (machineNow.total - this.#machine0.total || 1)) * cores * 100;
    return {
      seconds: round(seconds, 2),
      controllerCpuPercent: round(controllerCpu, 1),
      controllerPeakRssMB: round(Math.max(this.#peakRss, mem.rss), 1),
      controllerLifetimePeakRssMB: round(mem.hwm, 1),
      benchCpuPercent: round(benchCpu, 1),
      /** All cores together (100 % per core), and what neither this bench, its controller, Redis nor RabbitMQ used. */
      machineCpuPercent: round(machineBusy, 1),
      otherCpuPercent: round(Math.max(0, machineBusy - controllerCpu - benchCpu - sum(Object.values(others))), 1),
      busiestOtherProcesses: busiest.slice(0, 3),
      benchEventLoopDelayMs: {
        p50: round(this.#delay.percentile(50) / 1e6, 2),
        p99: round(this.#delay.percentile(99) / 1e6, 2),
        max: round(this.#delay.max / 1e6, 2),
      },
      ...(Object.keys(others).length > 0 ? { infrastructureCpuPercent: others } : {}),
    };
  }
}

function sum(values) {
  return values.reduce((a, b) => a + b, 0);
}

function round(value, digits) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** p50/p95/p99/max (and mean, count) of a sample, in its own unit. */
function distribution(values) {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0 };
  const at = (q) => sorted[Math.min(n - 1, Math.ceil(q * n) - 1)];
  return {
    count: n,
    mean: round(sum(sorted) / n, 2),
    p50: round(at(0.5), 2),
    p95: round(at(0.95), 2),
    p99: round(at(0.99), 2),
    max: round(sorted[n - 1], 2),
  };
}

// --- the controller process -----------------------------------------------------------------

/** Starts bench/controllerProcess.mjs and resolves once it listens. */
function startController(backend, options) {
  const env = {
    ...process.env,
    BENCH_BACKEND: backend,
    BENCH_REDIS_URL: options.redisUrl,
    BENCH_AMQP_URL: options.amqpUrl,
    PLENUM_LOG_LEVEL: 'warn',
    // /start is called once per client, all from 127.0.0.1.
    PLENUM_RATE_LIMIT_PER_MINUTE: '1000000',
    // Each client sends few messages, but the limiter must never be what is measured.
    PLENUM_SIGNALING_RATE: '10000',
    PLENUM_SIGNALING_BURST: '100000',
    // Tickets are fetched before the join phase, which may take a while with many clients.
    PLENUM_TICKET_TTL: '300',
  };
  const child = spawn(process.execPath, [path.join(here, 'controllerProcess.mjs')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const logs = [];
  /** Count of controller log lines by level, message and error type. */
  const logCounts = {};
  /** The phase the bench is in, to tell which phase a log line belongs to. */
  const state = { phase: 'start' };
  const keep = (line) => {
    if (!line || /oidc-provider WARNING|in-memory adapter is used/.test(line)) return;
    let key = line.slice(0, 80);
    try {
      const entry = JSON.parse(line);
      const level = { 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }[entry.level] ?? entry.level;
      key = `${level}: ${entry.msg ?? ''}${entry.err?.type ? ` (${entry.err.type}: ${String(entry.err.message).slice(0, 60)})` : ''}`;
    } catch {
      // Not a log line of pino: counted by its start.
    }
    key = `[${state.phase}] ${key}`;
    logCounts[key] = (logCounts[key] ?? 0) + 1;
    if (logs.length < 5) logs.push(line.slice(0, 2000));
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
          resolve({ child, logs, logCounts, state, ...JSON.parse(line.slice('BENCH_READY '.length)) });
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

const replies = { stats: 'stats', reset: 'reset-done', 'profile-start': 'profile-started', 'profile-stop': 'profile-stopped' };

/** Asks the controller over IPC: `stats` (event-loop delay, sessions), `reset`, `profile-start`, `profile-stop`. */
function controllerStats(child, type = 'stats', extra = {}) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(undefined);
    }, 15_000);
    const onMessage = (message) => {
      if (message?.type === replies[type]) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message);
      }
    };
    child.on('message', onMessage);
    child.send({ type, ...extra });
  });
}

async function stopController(controller) {
  const { child } = controller;
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

// --- REST ------------------------------------------------------------------------------------

async function api(baseUrl, method, route, token, body) {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: HTTP ${response.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}

/** Runs `task(i)` for i in [0, count) with at most `limit` at a time. */
async function pool(count, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

// --- clients ---------------------------------------------------------------------------------

const chatStart = Buffer.from('{"namespace":"chat"');
const contentMarker = Buffer.from('"content":"');

/**
 * The state all clients share: for each bench message (content `b:<seq>`), when it was sent,
 * and every delivery's latency. Frames are recognised from their first bytes rather than
 * parsed, so that the clients cost as little CPU as possible: the controller writes
 * `{"namespace":...,"timestamp":...,"payload":{"message":...}}` in that order.
 */
class Fanout {
  sentAt;
  received;
  latencies;
  /** Which message each entry of `latencies` belongs to. */
  seqs;
  count = 0;
  barrier = 0;
  firstSend = 0;
  lastReceive = 0;

  constructor(clients, messages) {
    this.sentAt = new Float64Array(messages);
    this.received = new Uint32Array(messages);
    this.latencies = new Float64Array(clients * messages);
    this.seqs = new Uint32Array(clients * messages);
  }

  /** Latencies of the deliveries of messages [from, to). */
  latenciesOf(from, to) {
    const out = [];
    for (let i = 0; i < this.count; i++) if (this.seqs[i] >= from && this.seqs[i] < to) out.push(this.latencies[i]);
    return out;
  }

  onChat(data, now) {
    const at = data.indexOf(contentMarker);
    if (at < 0) return;
    const start = at + contentMarker.length;
    const kind = data[start];
    if (kind === 0x77 /* w: barrier */) {
      this.barrier++;
      return;
    }
    if (kind !== 0x62 /* b */) return;
    let seq = 0;
    for (let i = start + 2; i < data.length && data[i] >= 0x30 && data[i] <= 0x39; i++) seq = seq * 10 + data[i] - 0x30;
    this.received[seq]++;
    this.seqs[this.count] = seq;
    this.latencies[this.count++] = now - this.sentAt[seq];
    this.lastReceive = now;
  }
}

class BenchClient {
  socket;
  index;
  events = 0;
  bytes = 0;
  joinSuccessBytes = 0;
  errors = [];
  closeCode;
  closedAt = 0;
  openMs = 0;
  joinedMs = 0;
  #joined;
  #fanout;

  constructor(index, fanout) {
    this.index = index;
    this.#fanout = fanout;
  }

  /** Opens the socket with the ticket; resolves with the upgrade time in ms. */
  connect(wsUrl, ticket) {
    const created = performance.now();
    this.socket = new WebSocket(wsUrl, [signalingSubprotocol, `${ticketSubprotocolPrefix}${ticket}`], { perMessageDeflate: false });
    this.socket.on('message', (data) => this.#onMessage(data));
    this.socket.on('close', (code) => {
      this.closeCode = code;
      this.closedAt = performance.now();
      this.#joined?.reject(new Error(`closed with ${code} before join_success`));
    });
    return new Promise((resolve, reject) => {
      this.socket.once('open', () => {
        this.openMs = performance.now();
        resolve(this.openMs - created);
      });
      this.socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode} on upgrade`)));
      this.socket.once('error', reject);
    });
  }

  /** Sends control/join; resolves with the time from socket open to join_success, in ms. */
  join(displayName, timeoutMs = 60_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no join_success within ${timeoutMs} ms: ${this.errors.join('; ')}`)), timeoutMs);
      this.#joined = {
        resolve: () => {
          clearTimeout(timer);
          this.joinedMs = performance.now();
          resolve(this.joinedMs - this.openMs);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.send('control', { action: 'join', displayName });
    });
  }

  send(namespace, payload) {
    this.socket.send(JSON.stringify({ namespace, payload }));
  }

  #onMessage(data) {
    const now = performance.now();
    this.events++;
    this.bytes += data.length;
    if (data.compare(chatStart, 0, chatStart.length, 0, chatStart.length) === 0) return this.#fanout.onChat(data, now);
    const head = data.toString('latin1', 0, 120);
    if (head.includes('"message":"join_success"')) {
      this.joinSuccessBytes = data.length;
      const joined = this.#joined;
      this.#joined = undefined;
      joined?.resolve();
    } else if (head.includes('"message":"error"')) {
      if (this.errors.length < 5) this.errors.push(JSON.parse(data.toString('utf8')).payload.text);
    }
  }
}

/** Waits until `done()` holds, polling; false on timeout. */
async function until(done, timeoutMs, everyMs = 20) {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return true;
}

function progress(text) {
  process.stderr.write(`  ${text}\n`);
}

// --- one run ---------------------------------------------------------------------------------

async function runBackend(backend, options, label) {
  const { clients: n, messages: m } = options;
  process.stderr.write(`\n[${backend}] starting the controller\n`);
  const bootStart = performance.now();
  const controller = await startController(backend, options);
  const profileDir = path.join(here, 'results', 'profiles');
  const profiles = [];
  const profileStart = async () => {
    if (options.profile) await controllerStats(controller.child, 'profile-start');
  };
  const profileStop = async (phase) => {
    if (!options.profile) return;
    mkdirSync(profileDir, { recursive: true });
    const file = path.join(profileDir, `signaling-${label}-${backend}-${phase}.cpuprofile`);
    await controllerStats(controller.child, 'profile-stop', { file });
    profiles.push(path.relative(root, file));
  };
  const others = backend === 'redis' ? infrastructurePids() : {};
  const result = {
    backend,
    controllerStartSeconds: round((performance.now() - bootStart) / 1000, 1),
    controllerIdleRssMB: round(memory(controller.pid).rss, 1),
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
  };
  const clients = [];
  let room;
  try {
    const baseUrl = controller.url;
    const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/v1/signaling`;

    // Three signed-in users through the real login flow; alice owns the room and moderates.
    const users = ['alice', 'bob', 'carol'];
    const tokens = await Promise.all(users.map((u) => devLogin(baseUrl, u, 'plenum').then((t) => t.accessToken)));
    room = await api(baseUrl, 'POST', '/v1/rooms', tokens[0], { name: 'Benchmark' });

    // Tickets: one /start per client, for the three users in turn.
    controller.state.phase = 'tickets';
    progress(`${n} tickets`);
    const tickets = new Array(n);
    const ticketTimes = [];
    const ticketMeter = new PhaseMeter(controller.pid, others);
    ticketMeter.start();
    let started = performance.now();
    await pool(n, options.concurrency, async (i) => {
      const t0 = performance.now();
      const { ticket } = await api(baseUrl, 'POST', `/v1/rooms/${room.id}/start`, tokens[i % users.length], { displayName: `client-${i}` });
      ticketTimes.push(performance.now() - t0);
      tickets[i] = ticket;
    });
    const ticketSeconds = (performance.now() - started) / 1000;
    result.tickets = {
      perSecond: round(n / ticketSeconds, 1),
      seconds: round(ticketSeconds, 2),
      latencyMs: distribution(ticketTimes),
      ...ticketMeter.stop(),
    };

    // Join: open the socket with its ticket, send join, wait for join_success; C at a time.
    controller.state.phase = 'join';
    progress(`${n} joins, ${options.concurrency} at a time`);
    const fanout = new Fanout(n, m);
    const upgradeTimes = [];
    const joinTimes = [];
    const meter = new PhaseMeter(controller.pid, others);
    await controllerStats(controller.child, 'reset');
    await profileStart();
    meter.start();
    started = performance.now();
    let failedJoins = 0;
    const joinFailures = {};
    let lastReport = started;
    await pool(n, options.concurrency, async (i) => {
      const client = new BenchClient(i, fanout);
      try {
        upgradeTimes.push(await client.connect(wsUrl, tickets[i]));
        joinTimes.push(await client.join(`client-${i}`));
        clients.push(client);
      } catch (error) {
        const reason = `${error instanceof Error ? error.message : String(error)}${client.errors.length > 0 ? ` after error "${client.errors.join('; ')}"` : ''}`;
        joinFailures[reason] = (joinFailures[reason] ?? 0) + 1;
        if (failedJoins++ < 3) progress(`join ${i} failed: ${reason}`);
        client.socket?.terminate();
      }
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        progress(`  ${clients.length} joined after ${round((lastReport - started) / 1000, 1)} s`);
      }
    });
    const joinSeconds = (performance.now() - started) / 1000;
    // Every `joined` announcement queued during the joins is out once a message sent now
    // has reached everyone (one controller: the broker keeps order, and so does each socket).
    const barrierStart = performance.now();
    clients[0]?.send('chat', { action: 'send_message', content: 'w:0' });
    const drained = await until(() => fanout.barrier >= clients.length, 120_000);
    const drainSeconds = (performance.now() - barrierStart) / 1000;
    const joinMeter = meter.stop();
    await profileStop('join');
    const joinController = await controllerStats(controller.child);
    result.join = {
      joined: clients.length,
      failed: failedJoins,
      failures: joinFailures,
      perSecond: round(clients.length / joinSeconds, 1),
      seconds: round(joinSeconds, 2),
      drainSeconds: round(drainSeconds, 2),
      drained,
      upgradeMs: distribution(upgradeTimes),
      openToJoinSuccessMs: distribution(joinTimes),
      ...joinMeter,
      controllerEventLoopDelayMs: joinController?.eventLoopDelayMs,
      controllerSessions: joinController?.sessions,
      controllerHeapUsedMB: joinController?.heapUsedMB,
      framesReceived: sum(clients.map((c) => c.events)),
      megabytesReceived: round(sum(clients.map((c) => c.bytes)) / 1e6, 1),
      joinSuccessKB: distribution(clients.map((c) => c.joinSuccessBytes / 1000)),
    };
    if (clients.length < 2) throw new Error('fewer than two clients joined; nothing to fan out');

    // Fan-out: M messages from random clients at R per second; every client receives each.
    controller.state.phase = 'fan-out';
    progress(`${m} chat messages at ${options.rate}/s to ${clients.length} clients`);
    for (const client of clients) {
      client.events = 0;
      client.bytes = 0;
    }
    const expected = m * clients.length;
    await controllerStats(controller.child, 'reset');
    await profileStart();
    meter.start();
    const interval = 1000 / options.rate;
    const sendStart = performance.now();
    fanout.firstSend = sendStart;
    let lateSends = 0;
    for (let seq = 0; seq < m; seq++) {
      const due = sendStart + seq * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      else if (wait < -interval) lateSends++;
      const sender = clients[randomInt(clients.length)];
      fanout.sentAt[seq] = performance.now();
      sender.send('chat', { action: 'send_message', content: `b:${seq}` });
    }
    const sendEnd = performance.now();
    const complete = await until(() => fanout.count >= expected, 60_000);
    const fanMeter = meter.stop();
    await profileStop('fanout');
    const fanController = await controllerStats(controller.child);
    const lost = expected - fanout.count;
    const window = ((complete ? fanout.lastReceive : performance.now()) - sendStart) / 1000;
    const tenth = Math.ceil(m / 10);
    result.fanout = {
      recipients: clients.length,
      messages: m,
      offeredRatePerSecond: options.rate,
      achievedSendRatePerSecond: round(m / ((sendEnd - sendStart) / 1000 || 1), 1),
      lateSends,
      deliveriesExpected: expected,
      deliveriesReceived: fanout.count,
      lost,
      deliveredPerSecond: round(fanout.count / window, 0),
      seconds: round(window, 2),
      latencyMs: distribution(fanout.latencies.subarray(0, fanout.count)),
      /** Latency of the first and the last tenth of the messages: rising means falling behind. */
      latencyFirstTenthP50Ms: distribution(fanout.latenciesOf(0, tenth)).p50,
      latencyLastTenthP50Ms: distribution(fanout.latenciesOf(m - tenth, m)).p50,
      ...fanMeter,
      controllerEventLoopDelayMs: fanController?.eventLoopDelayMs,
      controllerHeapUsedMB: fanController?.heapUsedMB,
      clientErrors: clients.flatMap((c) => c.errors).slice(0, 5),
      closedDuringRun: clients.filter((c) => c.closeCode !== undefined).length,
    };
    if (lost > 0) progress(`${lost} deliveries missing after 60 s`);

    if (clients.length > 0 && options.finish === 'end') {
      // End of the meeting: a moderator ends it for all. Each participant is told, leaves
      // (announced to those still in the room), its record is removed, and its socket closes.
      controller.state.phase = 'end';
      const moderator = clients.find((c) => c.index % 3 === 0) ?? clients[0];
      progress(`a moderator ends the meeting for ${clients.length} participants`);
      const meter = new PhaseMeter(controller.pid, others);
      await controllerStats(controller.child, 'reset');
      meter.start();
      const started = performance.now();
      moderator.send('moderation', { action: 'end_meeting' });
      const allClosed = await until(() => clients.every((c) => c.closeCode !== undefined), 120_000, 50);
      const closedSeconds = (performance.now() - started) / 1000;
      const settled = await settle(controller, room.id, started);
      const endMeter = meter.stop();
      const endController = await controllerStats(controller.child);
      const codes = {};
      for (const c of clients) codes[c.closeCode ?? 'open'] = (codes[c.closeCode ?? 'open'] ?? 0) + 1;
      result.end = {
        participants: clients.length,
        allClosed,
        closedSeconds: round(closedSeconds, 2),
        leavesPerSecond: round(clients.length / closedSeconds, 1),
        closeCodes: codes,
        closeTimeMs: distribution(clients.filter((c) => c.closedAt > 0).map((c) => c.closedAt - started)),
        ...settled,
        ...endMeter,
        controllerEventLoopDelayMs: endController?.eventLoopDelayMs,
      };
      if (!settled.settled) progress(`room not empty after the meeting ended: ${JSON.stringify(settled.recordsByState)}`);
    } else if (clients.length > 0) {
      // Every client drops its socket at once (no leave), as when a network fails; each
      // participant keeps its seat for resumption, marked `disconnected`.
      controller.state.phase = 'drop';
      progress(`${clients.length} clients drop their sockets at once`);
      const meter = new PhaseMeter(controller.pid, others);
      meter.start();
      const started = performance.now();
      for (const client of clients) client.socket.terminate();
      const settled = await settle(controller, room.id, started, (stats) => stats.sessions === 0 && !stats.records.joined);
      result.drop = { clients: clients.length, ...settled, ...meter.stop() };
      if (!settled.settled) progress(`still shown as joined without a socket: ${JSON.stringify(settled.recordsByState)}`);
    }
  } finally {
    progress('stopping the controller');
    controller.state.phase = 'stop';
    for (const client of clients) client.socket.terminate();
    await stopController(controller);
    if (controller.logs.length > 0) {
      result.controllerLogCounts = controller.logCounts;
      result.controllerLogSample = controller.logs;
    }
    if (profiles.length > 0) result.profiles = profiles;
  }
  return result;
}

/**
 * Polls the controller until `done(stats)` (default: the room has no participant records
 * left) or nothing changed for 10 s; returns when it settled, counted from `started`.
 */
async function settle(controller, roomId, started, done = (stats) => Object.keys(stats.records).length === 0) {
  let last = '';
  let lastChange = performance.now();
  let stats;
  for (;;) {
    stats = await controllerStats(controller.child, 'stats', { roomId });
    const now = performance.now();
    if (stats && done(stats)) {
      return { settled: true, settledSeconds: round((now - started) / 1000, 2), recordsByState: stats.records };
    }
    const key = JSON.stringify(stats?.records);
    if (key !== last) {
      last = key;
      lastChange = now;
    } else if (now - lastChange > 10_000 || now - started > 180_000) {
      return { settled: false, settledSeconds: round((lastChange - started) / 1000, 2), recordsByState: stats?.records, sessionsLeft: stats?.sessions };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// --- output ----------------------------------------------------------------------------------

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    cores: os.availableParallelism?.() ?? os.cpus().length,
    model,
    memoryGB: round(os.totalmem() / 2 ** 30, 1),
    kernel: os.release(),
    node: process.version,
  };
}

const fmtDist = (d, unit = '') =>
  d?.count ? `${d.p50}/${d.p95}/${d.p99}/${d.max}${unit}` : '—';

function table(results) {
  const rows = [
    ['clients joined', (r) => `${r.join.joined}${r.join.failed ? ` (${r.join.failed} failed)` : ''}`],
    ['tickets (/start) per s', (r) => `${r.tickets.perSecond}`],
    ['/start ms p50/p95/p99/max', (r) => fmtDist(r.tickets.latencyMs)],
    ['tickets: controller / bench CPU %', (r) => `${r.tickets.controllerCpuPercent} / ${r.tickets.benchCpuPercent}`],
    ['controller RSS after start MB', (r) => `${r.controllerIdleRssMB}`],
    ['joins per s', (r) => `${r.join.perSecond} (${r.join.seconds} s)`],
    ['upgrade ms p50/p95/p99/max', (r) => fmtDist(r.join.upgradeMs)],
    ['open→join_success ms p50/p95/p99/max', (r) => fmtDist(r.join.openToJoinSuccessMs)],
    ['join: frames / MB received by clients', (r) => `${r.join.framesReceived} / ${r.join.megabytesReceived}`],
    ['join_success size KB p50/max', (r) => `${r.join.joinSuccessKB.p50}/${r.join.joinSuccessKB.max}`],
    ['join backlog drained after', (r) => `${r.join.drainSeconds} s${r.join.drained ? '' : ' (NOT drained)'}`],
    ['join: controller CPU %', (r) => `${r.join.controllerCpuPercent}`],
    ['join: controller peak RSS MB', (r) => `${r.join.controllerPeakRssMB}`],
    ['join: bench CPU %', (r) => `${r.join.benchCpuPercent}`],
    ['join: controller loop delay p99/max ms', (r) => (r.join.controllerEventLoopDelayMs ? `${r.join.controllerEventLoopDelayMs.p99}/${r.join.controllerEventLoopDelayMs.max}` : '—')],
    ['join: Redis / RabbitMQ CPU %', (r) => (r.join.infrastructureCpuPercent ? `${r.join.infrastructureCpuPercent.redis} / ${r.join.infrastructureCpuPercent.rabbitmq}` : '—')],
    ['join: other processes CPU %', (r) => `${r.join.otherCpuPercent}`],
    ['fan-out latency ms p50/p95/p99/max', (r) => fmtDist(r.fanout.latencyMs)],
    ['fan-out p50 first/last tenth ms', (r) => `${r.fanout.latencyFirstTenthP50Ms} / ${r.fanout.latencyLastTenthP50Ms}`],
    ['deliveries per s', (r) => `${r.fanout.deliveredPerSecond} (offered ${r.fanout.offeredRatePerSecond}×${r.fanout.recipients})`],
    ['deliveries lost', (r) => `${r.fanout.lost} of ${r.fanout.deliveriesExpected}`],
    ['fan-out: controller CPU %', (r) => `${r.fanout.controllerCpuPercent}`],
    ['fan-out: controller peak RSS MB', (r) => `${r.fanout.controllerPeakRssMB}`],
    ['fan-out: controller loop delay p99/max ms', (r) => (r.fanout.controllerEventLoopDelayMs ? `${r.fanout.controllerEventLoopDelayMs.p99}/${r.fanout.controllerEventLoopDelayMs.max}` : '—')],
    ['fan-out: bench CPU %', (r) => `${r.fanout.benchCpuPercent}`],
    ['fan-out: bench loop delay p99/max ms', (r) => `${r.fanout.benchEventLoopDelayMs.p99}/${r.fanout.benchEventLoopDelayMs.max}`],
    ['fan-out: other processes CPU %', (r) => `${r.fanout.otherCpuPercent}`],
    ['fan-out: Redis / RabbitMQ CPU %', (r) => (r.fanout.infrastructureCpuPercent ? `${r.fanout.infrastructureCpuPercent.redis} / ${r.fanout.infrastructureCpuPercent.rabbitmq}` : '—')],
    ['end meeting: all sockets closed after', (r) => `${r.end.closedSeconds} s${r.end.allClosed ? '' : ' (NOT all)'} (${r.end.leavesPerSecond}/s)`],
    ['end meeting: close ms p50/p95/p99/max', (r) => fmtDist(r.end.closeTimeMs)],
    ['end meeting: room empty after', (r) => `${r.end.settledSeconds} s${r.end.settled ? '' : ` (NOT empty: ${JSON.stringify(r.end.recordsByState)})`}`],
    ['end meeting: controller CPU %', (r) => `${r.end.controllerCpuPercent}`],
    ['drop all sockets: settled after', (r) => `${r.drop.settledSeconds} s${r.drop.settled ? '' : ` (NOT settled: ${JSON.stringify(r.drop.recordsByState)})`}`],
  ];
  const headers = ['', ...results.map((r) => (r.backend === 'redis' ? 'Redis + RabbitMQ' : 'memory (embedded)'))];
  const cells = rows.map(([name, get]) => [name, ...results.map((r) => {
    try {
      return get(r);
    } catch {
      return 'n/a';
    }
  })]);
  // Rows of a phase that did not run (e.g. `drop` with --finish end) are left out.
  const shown = cells.filter((row) => row.slice(1).some((cell) => cell !== 'n/a'));
  cells.length = 0;
  cells.push(...shown);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

// --- main ------------------------------------------------------------------------------------

const options = readOptions(process.argv.slice(2));
const startedAt = new Date();
const label = startedAt.toISOString().replace(/[:.]/g, '-');
const info = machine();
process.stderr.write(
  `signaling benchmark: ${options.clients} clients, ${options.messages} messages at ${options.rate}/s, ` +
    `${options.concurrency} joining at a time; ${info.cores} cores, ${info.model}\n`,
);
const results = [];
const failures = [];
for (const backend of options.backends) {
  try {
    results.push(await runBackend(backend, options, label));
  } catch (error) {
    failures.push({ backend, error: error instanceof Error ? error.message : String(error) });
    process.stderr.write(`[${backend}] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
}

const report = {
  benchmark: 'signaling',
  date: startedAt.toISOString(),
  machine: info,
  options: { clients: options.clients, messages: options.messages, rate: options.rate, concurrency: options.concurrency, backends: options.backends },
  results,
  failures,
};
const out = options.out ?? path.join(here, 'results', `signaling-${label}.json`);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

process.stdout.write(
  `\nSignaling: ${options.clients} clients in one room, ${options.messages} chat messages at ${options.rate}/s, ` +
    `joins ${options.concurrency} at a time\nMachine: ${info.cores} cores, ${info.model}, ${info.memoryGB} GB, Node ${info.node}\n\n`,
);
if (results.length > 0) process.stdout.write(`${table(results)}\n`);
for (const r of results) {
  for (const [phase, figures] of [['join', r.join], ['fan-out', r.fanout], ['end', r.end]]) {
    if (figures && figures.otherCpuPercent > 25) {
      const who = (figures.busiestOtherProcesses ?? []).map((p) => `${p.comm} ${p.cpuPercent} %`).join(', ');
      process.stdout.write(`\nWARNING [${r.backend}] other processes used ${figures.otherCpuPercent} % CPU during the ${phase} phase (${who}): its figures are not reliable.`);
    }
  }
  for (const [reason, count] of Object.entries(r.join?.failures ?? {})) process.stdout.write(`\n[${r.backend}] ${count} joins failed: ${reason}`);
  for (const [line, count] of Object.entries(r.controllerLogCounts ?? {})) process.stdout.write(`\n[${r.backend}] controller logged ${count}× ${line}`);
}
process.stdout.write(
  `\nms columns are p50/p95/p99/max. CPU % is of one core (${info.cores} cores = ${info.cores * 100} %).\n` +
    `Results: ${path.relative(process.cwd(), out)}\n`,
);
if (failures.length > 0) process.exit(1);
