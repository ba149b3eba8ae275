// `npm test`: set up what is missing, build, lint, type-check, then run every test against
// the real services of this machine (PostgreSQL, Redis, RabbitMQ, Janus, Chromium).
// Extra arguments go to vitest, e.g. `npm test -- packages/controller/test/rooms.test.ts`.
import { build, ensureNodeModules, ensureSystemPackages, launcherPackages, nodeVersionOk, run } from './setup.mjs';

/** What the tests need beyond the runtime: Chromium for browser tests; every launcher's packages (each is tested). */
const testPackages = [...new Set(['chromium', 'iptables', ...Object.values(launcherPackages).flat()])];

nodeVersionOk();
ensureNodeModules();
ensureSystemPackages(testPackages);
build();
run('npx', ['eslint', '--max-warnings', '0', '.']);
// Layers import one way: no module may reach itself through its imports.
run('npx', ['madge', '--circular', '--extensions', 'ts,tsx', 'packages/controller/src', 'packages/web/src', 'packages/web/test-support']);
for (const project of ['packages/protocol', 'packages/controller', 'packages/web']) {
  run('npx', ['tsc', '--noEmit', '-p', project]);
}
run('npx', ['vitest', 'run', ...process.argv.slice(2)]);
