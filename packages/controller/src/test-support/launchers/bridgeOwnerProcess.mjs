// A process of its own that launches one bridge with a real launcher, prints `{"id", "pid"}`
// on one line, and then waits to be killed: the stand-in for a controller killed with SIGKILL
// in the sweep tests. The launcher is TypeScript, loaded through Vite's module runner.
// Environment: LAUNCHER (`sandbox`, `oci` or `host`), BRIDGE_ID, BASE_DIR, optionally
// BROKER_URL (the bridge's API over RabbitMQ), and per launcher: sandbox: OWNER_DIR,
// PUBLIC_ADDRESS (optional: media forwarded from that address); oci: SOCKET, IMAGE,
// PUBLIC_ADDRESS (optional); host: OWNER_DIR, MEDIA_ADDRESS.
import { runnerImport } from 'vite';

const env = process.env;
const common = { baseDir: env.BASE_DIR, ...(env.BROKER_URL ? { brokerUrl: env.BROKER_URL } : {}), warn: () => undefined };
const forwarded = env.PUBLIC_ADDRESS ? { publicAddress: { advertised: env.PUBLIC_ADDRESS, local: env.PUBLIC_ADDRESS, source: 'configured' } } : {};
const launchers = {
  sandbox: {
    path: '../../bridge/launchers/sandbox/sandboxLauncher.ts',
    make: (module) => new module.SandboxLauncher({ ...common, ...forwarded, ownerDir: env.OWNER_DIR }),
  },
  oci: {
    path: '../../bridge/launchers/oci/ociLauncher.ts',
    make: (module) => new module.OciLauncher({ ...common, ...forwarded, socketPath: env.SOCKET, image: env.IMAGE }),
  },
  host: {
    path: '../../bridge/launchers/host/hostLauncher.ts',
    make: (module) => new module.HostLauncher({ ...common, ownerDir: env.OWNER_DIR, mediaAddress: env.MEDIA_ADDRESS }),
  },
};
const chosen = launchers[env.LAUNCHER ?? ''];
if (!chosen) throw new Error(`LAUNCHER must be one of ${Object.keys(launchers).join(', ')}`);
const { module } = await runnerImport(new URL(chosen.path, import.meta.url).pathname, { configFile: false, logLevel: 'silent' });
const bridge = await chosen.make(module).launch({ id: env.BRIDGE_ID, apiSecret: 'owner-process-secret-0123456789' });
process.stdout.write(`${JSON.stringify({ id: bridge.id, pid: process.pid })}\n`);
// Stay alive until the test kills it (sandbox and host bridges die with this process; a container outlives it).
setInterval(() => undefined, 1 << 30);
