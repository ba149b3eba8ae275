// Bridge start-up benchmark: time from request to a bridge whose Janus API answers, for each
// launcher available here (sandbox, oci with podman, host), against starting bare `janus`
// with the same configuration, and the time a conference waits for its bridge with and
// without the warm pool — in one run. See bench/README.md.
//
//   node bench/bridge.mjs [--runs N] [--variants a,b,...] [--out FILE]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { runnerImport } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (file) => new URL(`../packages/controller/dist/${file}`, import.meta.url).href;
const { SandboxLauncher } = await import(dist('bridge/launchers/sandbox/sandboxLauncher.js'));
const { OciLauncher } = await import(dist('bridge/launchers/oci/ociLauncher.js'));
const { HostLauncher } = await import(dist('bridge/launchers/host/hostLauncher.js'));
const { BridgeRegistry } = await import(dist('bridge/conference/bridgeRegistry.js'));
const { writeJanusConfig } = await import(dist('bridge/launchers/shared/janusConfig.js'));
// Test support is TypeScript outside the build: loaded through Vite's module runner, as the tests do.
const testSupport = async (file) =>
  (await runnerImport(path.join(root, 'packages/controller/src/test-support/launchers', file), { configFile: false, logLevel: 'silent' })).module;
const { useEngine, ensureBridgeImage } = await testSupport('containerEngine.ts');
const { testHostAddress } = await testSupport('hostAddress.ts');

const allVariants = ['bare', 'sandbox', 'sandbox-amqp', 'oci', 'oci-amqp', 'host', 'host-amqp', 'pool'];
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    variants: { type: 'string', default: allVariants.join(',') },
    out: { type: 'string' },
    'amqp-url': { type: 'string', default: 'amqp://guest:guest@127.0.0.1:5672' },
    'oci-socket': { type: 'string' },
    'oci-image': { type: 'string', default: 'plenum-janus:1.1.2' },
  },
});
const runs = Number(values.runs);
const chosen = new Set(values.variants.split(',').map((v) => v.trim()));
for (const name of chosen) if (!allVariants.includes(name)) throw new Error(`unknown variant ${name}; known: ${allVariants.join(', ')}`);
const amqpUrl = values['amqp-url'];

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const r = (n) => Math.round(n * 10) / 10;
  return {
    n: sorted.length,
    min: r(sorted[0]),
    p50: r(percentile(sorted, 50)),
    p95: r(percentile(sorted, 95)),
    max: r(sorted.at(-1)),
    // Spread: the middle half of the samples lies within this many ms.
    iqr: r(percentile(sorted, 75) - percentile(sorted, 25)),
  };
}

async function waitForPort(host, port) {
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Bare janus on loopback with the same configuration a bridge gets (no namespace, no sandbox). */
async function bareJanus(baseDir, index) {
  const dir = path.join(baseDir, `bare-${index}`);
  mkdirSync(dir, { recursive: true });
  const port = 18_300 + index;
  const started = performance.now();
  await writeJanusConfig({ dir, mediaAddress: '127.0.0.1', rtpPorts: [30_000, 30_099], apiSecret: 'bench', transport: { kind: 'websocket', address: '127.0.0.1', port } });
  const child = spawn('janus', ['-F', dir, '-C', path.join(dir, 'janus.jcfg'), '-o', '-N', '-L', path.join(dir, 'janus.log')], { stdio: 'ignore' });
  await waitForPort('127.0.0.1', port);
  const elapsed = performance.now() - started;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  // Janus now and then hangs while shutting down; the launchers kill it after 3 s too.
  const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(killer);
  rmSync(dir, { recursive: true, force: true });
  return { start: elapsed };
}

async function launched(launcher) {
  const started = performance.now();
  const bridge = await launcher.launch({ id: randomBytes(5).toString('hex'), apiSecret: 'bench' });
  const elapsed = performance.now() - started;
  const closing = performance.now();
  await bridge.close();
  return { start: elapsed, stop: performance.now() - closing };
}

const silent = pino({ level: 'silent' });

/**
 * What a conference waits for: `registry.get()` (bridge, Janus session, videoroom created)
 * with a warm pool of one — measured once the pool has refilled — or with none.
 */
function registryVariant(launcher, poolSize) {
  const registry = new BridgeRegistry({ launcher, graceMs: 60_000, poolSize, keepaliveMs: 0, hasParticipants: async () => false, log: silent });
  registry.start();
  const sample = async () => {
    while (registry.pooled < poolSize) await new Promise((resolve) => setTimeout(resolve, 20));
    const roomId = `bench-${randomBytes(4).toString('hex')}`;
    const started = performance.now();
    await registry.get(roomId, 'vp8');
    const elapsed = performance.now() - started;
    const closing = performance.now();
    await registry.stop(roomId);
    return { start: elapsed, stop: performance.now() - closing };
  };
  return { sample, close: () => registry.close() };
}

/** Figures of the run and where each came from, for the JSON. */
const results = {};
const skipped = {};
// Other work on the machine slows every variant, the engine and rabbitmqctl most: recorded, not hidden.
const loadBefore = os.loadavg()[0];
const baseDir = mkdtempSync(path.join(os.tmpdir(), 'plenum-bench-bridges-'));
const teardown = [];
try {
  /** name → { sample(i), close?() }, built lazily so that a missing prerequisite skips only its variants. */
  const variants = [];
  const add = (key, name, make) => {
    if (chosen.has(key)) variants.push({ key, name, make });
  };
  let engine;
  const oci = async (brokerUrl) => {
    if (!engine) {
      engine = await useEngine(values['oci-socket']);
      teardown.push(() => engine.stop());
      await ensureBridgeImage(engine.socketPath, values['oci-image']);
    }
    return new OciLauncher({ socketPath: engine.socketPath, image: values['oci-image'], baseDir, brokerUrl });
  };
  let hostAddress;
  const host = async (brokerUrl) => {
    if (!hostAddress) {
      hostAddress = await testHostAddress();
      teardown.push(() => hostAddress.remove());
    }
    return new HostLauncher({ baseDir, mediaAddress: hostAddress.address, brokerUrl, warn: () => undefined });
  };
  const direct = (launcher) => ({ sample: () => launched(launcher), close: () => launcher.close() });

  add('bare', 'bare janus (loopback, no isolation)', async () => ({ sample: (i) => bareJanus(baseDir, i) }));
  add('sandbox', 'sandbox, WebSocket API', async () => direct(new SandboxLauncher({ baseDir })));
  add('sandbox-amqp', 'sandbox, RabbitMQ API', async () => direct(new SandboxLauncher({ baseDir, brokerUrl: amqpUrl })));
  add('oci', 'oci (podman, runc), WebSocket API', async () => direct(await oci()));
  add('oci-amqp', 'oci (podman, runc), RabbitMQ API', async () => direct(await oci(amqpUrl)));
  add('host', 'host, WebSocket API', async () => direct(await host()));
  add('host-amqp', 'host, RabbitMQ API', async () => direct(await host(amqpUrl)));
  add('pool', 'conference waits, sandbox, no pool', async () => registryVariant(new SandboxLauncher({ baseDir }), 0));
  add('pool', 'conference waits, sandbox, warm pool', async () => registryVariant(new SandboxLauncher({ baseDir }), 1));
  if (chosen.has('pool') && chosen.has('oci')) {
    add('pool', 'conference waits, oci, no pool', async () => registryVariant(await oci(), 0));
    add('pool', 'conference waits, oci, warm pool', async () => registryVariant(await oci(), 1));
  }

  for (const { name, make } of variants) {
    let variant;
    try {
      variant = await make();
    } catch (error) {
      skipped[name] = error instanceof Error ? error.message : String(error);
      process.stderr.write(`\nskipped ${name}: ${skipped[name]}\n`);
      continue;
    }
    const starts = [];
    const stops = [];
    const failures = [];
    process.stderr.write(`${name} `);
    try {
      // One variant at a time keeps each one's cache state alike.
      for (let i = 0; i < runs; i++) {
        try {
          const sample = await variant.sample(i);
          starts.push(sample.start);
          if (sample.stop !== undefined) stops.push(sample.stop);
          process.stderr.write('.');
        } catch (error) {
          // Counted and named, never timed; only the message (a cause may hold a command line).
          failures.push(error instanceof Error ? error.message : String(error));
          process.stderr.write('x');
        }
      }
    } finally {
      await variant.close?.();
    }
    results[name] = { start: starts.length ? summary(starts) : undefined, stop: stops.length ? summary(stops) : undefined, failures };
    process.stderr.write(` ${JSON.stringify(results[name])}\n`);
  }
} finally {
  for (const step of teardown.reverse()) await step().catch(() => undefined);
  rmSync(baseDir, { recursive: true, force: true });
}

const loadAfter = os.loadavg()[0];
const cpu = os.cpus();
const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
process.stdout.write(`\nBridge start-up, ${runs} runs each. Machine: ${cpu.length} cores, ${cpu[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${kernel}, Node ${process.version}\n\n`);
process.stdout.write(`${'variant'.padEnd(40)}${'start ms min/p50/p95/max'.padStart(28)}${'IQR'.padStart(8)}${'stop ms p50/p95'.padStart(18)}\n`);
for (const [name, { start, stop, failures }] of Object.entries(results)) {
  const stopText = stop ? `${stop.p50}/${stop.p95}` : '—';
  const startText = start ? `${start.min}/${start.p50}/${start.p95}/${start.max}` : '—';
  const failed = failures.length ? `   ${failures.length} failed: ${failures[0]}` : '';
  process.stdout.write(`${name.padEnd(40)}${startText.padStart(28)}${String(start?.iqr ?? '—').padStart(8)}${stopText.padStart(18)}${failed}\n`);
}
for (const [name, why] of Object.entries(skipped)) process.stdout.write(`skipped: ${name}: ${why}\n`);
process.stdout.write(`\nLoad average (1 min) before/after: ${loadBefore.toFixed(1)}/${loadAfter.toFixed(1)} on ${cpu.length} cores${loadBefore > cpu.length ? ' — the machine was busy: figures are slower than on a quiet one' : ''}.\n`);
process.stdout.write('Start: request until the Janus API answers (conference rows: until the videoroom exists). Stop: until everything of the bridge is deleted.\n');
const out = values.out ?? path.join(root, 'bench', 'results', `bridge-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ runs, variants: [...chosen], machine: { cores: cpu.length, model: cpu[0]?.model, memory: os.totalmem(), kernel, node: process.version, loadBefore, loadAfter }, results, skipped }, null, 2));
process.stdout.write(`Results: ${path.relative(root, out)}\n`);
