// Summarises a V8 CPU profile (`npm run bench -- signaling --profile` writes one per controller
// into bench/results/profiles/): self time by function and by package, biggest first.
//
//   node bench/profileSummary.mjs bench/results/profiles/<name>.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
if (positionals.length !== 1) {
  process.stderr.write('usage: node bench/profileSummary.mjs FILE.cpuprofile [--top N]\n');
  process.exit(1);
}
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function place(url) {
  if (!url) return '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  const ours = /packages\/([^/]+)\/dist\/(.+)$/.exec(url);
  if (ours) return `@plenum/${ours[1]}`;
  if (url.startsWith('node:')) return 'node';
  return url.replace(/^file:\/\//, '');
}

const functions = new Map();
const packages = new Map();
for (const [id, us] of selfUs) {
  const { callFrame } = byId.get(id);
  const url = callFrame.url;
  const file = /packages\/[^/]+\/dist\/(.+)$/.exec(url)?.[1] ?? url.split('/').slice(-1)[0] ?? '';
  const key = `${callFrame.functionName || '(anonymous)'}  ${file}${file ? `:${callFrame.lineNumber + 1}` : ''}  [${place(url)}]`;
  functions.set(key, (functions.get(key) ?? 0) + us);
  const pkg = place(url);
  packages.set(pkg, (packages.get(pkg) ?? 0) + us);
}

const show = (title, map) => {
  process.stdout.write(`\n${title}\n`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((us / total) * 100).toFixed(1).padStart(6)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}\n`);
  }
};
process.stdout.write(`${positionals[0]}: ${(total / 1e6).toFixed(1)} s sampled\n`);
show('self time by package', packages);
show('self time by function', functions);
