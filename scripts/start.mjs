// `npm start`: set up what is missing, build, and run the controller on embedded defaults
// (or on the services named by PLENUM_* variables).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { build, ensureNodeModules, ensureSystemPackages, nodeVersionOk, packagesForLauncher, root } from './setup.mjs';

/** What the product needs on the machine: Janus for the bridges, bubblewrap, iproute2 and iptables (media forwarding) for their sandboxes, coturn for the embedded TURN relay. */
export const runtimePackages = ['janus', 'bubblewrap', 'iproute2', 'iptables', 'coturn'];

nodeVersionOk();
ensureNodeModules();
ensureSystemPackages([...new Set([...runtimePackages, ...packagesForLauncher()])]);
build();

const controller = spawn(process.execPath, [path.join(root, 'packages/controller/dist/main.js')], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => controller.kill(signal));
controller.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
