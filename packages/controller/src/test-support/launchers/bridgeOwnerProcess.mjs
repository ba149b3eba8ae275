// A process of its own that launches one bridge with a real launcher, prints `{"id", "pid"}`
// on one line, and then waits to be killed: the stand-in for a controller killed with SIGKILL
// in the sweep tests. The launcher is TypeScript, loaded through Vite's module runner.
// Environment: LAUNCHER (`sandbox` or `oci`), BRIDGE_ID, BASE_DIR, and per launcher:
// sandbox: OWNER_DIR, BROKER_URL (optional: the bridge's API over RabbitMQ); oci: SOCKET, IMAGE.
import { runnerImport } from 'vite';

const env = process.env;
const launchers = {
  sandbox: {
    path: '../../bridge/launchers/sandbox/sandboxLauncher.ts',
    make: (module) =>
      new module.SandboxLauncher({ baseDir: env.BASE_DIR, ownerDir: env.OWNER_DIR, ...(env.BROKER_URL ? { brokerUrl: env.BROKER_URL } : {}) }),
  },
  oci: {
    path: '../../bridge/launchers/oci/ociLauncher.ts',
    make: (module) => new module.OciLauncher({ socketPath: env.SOCKET, image: env.IMAGE, baseDir: env.BASE_DIR, warn: () => undefined }),
  },
};
const chosen = launchers[env.LAUNCHER ?? ''];
if (!chosen) throw new Error(`LAUNCHER must be one of ${Object.keys(launchers).join(', ')}`);
const { module } = await runnerImport(new URL(chosen.path, import.meta.url).pathname, { configFile: false, logLevel: 'silent' });
const bridge = await chosen.make(module).launch({ id: env.BRIDGE_ID, apiSecret: 'owner-process-secret-0123456789' });
process.stdout.write(`${JSON.stringify({ id: bridge.id, pid: process.pid })}\n`);
// Stay alive until the test kills it (a sandbox bridge dies with this process; a container outlives it).
setInterval(() => undefined, 1 << 30);
