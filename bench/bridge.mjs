// Bridge start-up benchmark: time from request to a bridge whose Janus API answers, for each
// launcher available here, against starting bare `janus` with the same configuration, in one
// run. See bench/README.md.
//
//   node bench/bridge.mjs [--runs N] [--out FILE]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (file) => new URL(`../packages/controller/dist/${file}`, import.meta.url).href;
const { SandboxLauncher } = await import(dist('bridge/sandboxLauncher.js'));
const { writeJanusConfig } = await import(dist('bridge/janusConfig.js'));

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '15' }, out: { type: 'string' }, 'amqp-url': { type: 'string', default: 'amqp://guest:guest@127.0.0.1:5672' } },
});
const runs = Number(values.runs);

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const r = (n) => Math.round(n * 10) / 10;
  return { n: sorted.length, min: r(sorted[0]), p50: r(percentile(sorted, 50)), p95: r(percentile(sorted, 95)), max: r(sorted.at(-1)) };
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
  await exited;
  rmSync(dir, { recursive: true, force: true });
  return elapsed;
}

async function launched(launcher) {
  const started = performance.now();
  const bridge = await launcher.launch({ id: randomBytes(5).toString('hex'), apiSecret: 'bench' });
  const elapsed = performance.now() - started;
  const closing = performance.now();
  await bridge.close();
  return { start: elapsed, stop: performance.now() - closing };
}

const baseDir = mkdtempSync(path.join(os.tmpdir(), 'plenum-bench-bridges-'));
const results = {};
try {
  const variants = {
    'bare janus (loopback, no sandbox)': async (i) => ({ start: await bareJanus(baseDir, i) }),
    'sandbox, WebSocket API': (() => {
      const launcher = new SandboxLauncher({ baseDir });
      return () => launched(launcher);
    })(),
    'sandbox, RabbitMQ API (own queues + account)': (() => {
      const launcher = new SandboxLauncher({ baseDir, brokerUrl: values['amqp-url'] });
      return () => launched(launcher);
    })(),
  };
  for (const [name, run] of Object.entries(variants)) {
    const starts = [];
    const stops = [];
    // Round-robin would interleave variants; one variant at a time keeps each one's cache state alike.
    for (let i = 0; i < runs; i++) {
      const sample = await run(i);
      starts.push(sample.start);
      if (sample.stop !== undefined) stops.push(sample.stop);
      process.stderr.write('.');
    }
    results[name] = { start: summary(starts), stop: stops.length ? summary(stops) : undefined };
  }
} finally {
  rmSync(baseDir, { recursive: true, force: true });
}

process.stderr.write('\n');
const cpu = os.cpus();
process.stdout.write(`\nBridge start-up, ${runs} runs each. Machine: ${cpu.length} cores, ${cpu[0]?.model ?? '?'}, Node ${process.version}\n\n`);
process.stdout.write(`${'variant'.padEnd(46)}${'start ms min/p50/p95/max'.padStart(30)}${'stop ms p50/p95'.padStart(20)}\n`);
for (const [name, { start, stop }] of Object.entries(results)) {
  const stopText = stop ? `${stop.p50}/${stop.p95}` : '—';
  process.stdout.write(`${name.padEnd(46)}${`${start.min}/${start.p50}/${start.p95}/${start.max}`.padStart(30)}${stopText.padStart(20)}\n`);
}
process.stdout.write('\nWarm pool: not implemented yet. Stop includes deleting directory, namespace (and queues + account).\n');
const out = values.out ?? path.join(root, 'bench', 'results', `bridge-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ runs, machine: { cores: cpu.length, model: cpu[0]?.model, node: process.version }, results }, null, 2));
process.stdout.write(`Results: ${path.relative(root, out)}\n`);
