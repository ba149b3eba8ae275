// A process of its own that launches one bridge with the real sandbox launcher, prints
// `{"id", "pid"}` on one line, and then waits to be killed: the stand-in for a controller killed
// with SIGKILL in the sweep test. The launcher is TypeScript, loaded through Vite's module runner.
// Environment: BASE_DIR, OWNER_DIR, BRIDGE_ID, and BROKER_URL (optional: bridges via RabbitMQ).
import { runnerImport } from 'vite';

const { module } = await runnerImport(new URL('../bridge/sandboxLauncher.ts', import.meta.url).pathname, {
  configFile: false,
  logLevel: 'silent',
});
const launcher = new module.SandboxLauncher({
  baseDir: process.env.BASE_DIR,
  ownerDir: process.env.OWNER_DIR,
  ...(process.env.BROKER_URL ? { brokerUrl: process.env.BROKER_URL } : {}),
});
const bridge = await launcher.launch({ id: process.env.BRIDGE_ID, apiSecret: 'sweep-test-secret-0123456789' });
process.stdout.write(`${JSON.stringify({ id: bridge.id, pid: process.pid })}\n`);
// Stay alive (the bridge dies with this process) until the test kills it.
setInterval(() => undefined, 1 << 30);
