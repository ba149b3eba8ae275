// `npm run bench -- <name> [options]`: builds the TypeScript packages, then runs one benchmark
// from bench/ against the compiled controller. See bench/README.md.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Benchmark name → its script in bench/. */
const benchmarks = {
  signaling: 'bench/signaling.mjs',
  bridge: 'bench/bridge.mjs',
  join: 'bench/join.mjs',
};

const usage = `usage: npm run bench -- <name> [options]

benchmarks:
  signaling   N WebSocket clients in one room: join throughput, chat fan-out latency,
              controller CPU and memory; embedded backends and Redis + RabbitMQ.
              Options: --clients N (1000) --messages M (200) --rate R (20/s) --concurrency C (50)
                       --backends memory,redis --out FILE --profile; --help for all.
  bridge      time from request to a bridge whose Janus API answers, per launcher, against
              bare janus with the same config. Options: --runs N (15) --out FILE. Needs root.
  join        ticket request → first decoded remote frame in Chromium, through Plenum (controller,
              signaling, sandboxed bridge) against a page speaking the Janus API of a bare janus,
              and through Plenum with the browser relayed by the embedded TURN server over TLS,
              with the time split into phases. Options: --runs N (10) --warmup W (1)
              --codec vp8|vp9|av1 --pause MS (1000) --variants plenum,direct,turn --out FILE.
              Needs root.
`;

const [name, ...args] = process.argv.slice(2);
const script = name === undefined ? undefined : benchmarks[name];
if (!script) {
  if (name !== undefined && name !== '--help' && name !== '-h') process.stderr.write(`unknown benchmark: ${name}\n\n`);
  process.stderr.write(usage);
  process.exit(name === '--help' || name === '-h' ? 0 : 1);
}

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

process.stderr.write('[bench] building (npx tsc -b)\n');
const built = run('npx', ['tsc', '-b']);
if (built !== 0) {
  process.stderr.write('[bench] build failed\n');
  process.exit(built);
}
process.exit(run(process.execPath, [path.join(root, script), ...args]));
