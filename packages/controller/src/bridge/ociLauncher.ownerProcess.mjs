// A process of its own that launches one bridge with the real oci launcher, prints
// `{"id", "pid"}` on one line, and then waits to be killed: the stand-in for a controller killed
// with SIGKILL in the orphan sweep test. The launcher is TypeScript, loaded through Vite's module runner.
// Environment: SOCKET, IMAGE, BASE_DIR, BRIDGE_ID.
import { runnerImport } from 'vite';

const { module } = await runnerImport(new URL('./ociLauncher.ts', import.meta.url).pathname, { configFile: false, logLevel: 'silent' });
const launcher = new module.OciLauncher({ socketPath: process.env.SOCKET, image: process.env.IMAGE, baseDir: process.env.BASE_DIR, warn: () => undefined });
const bridge = await launcher.launch({ id: process.env.BRIDGE_ID, apiSecret: 'orphan-test-secret' });
process.stdout.write(`${JSON.stringify({ id: bridge.id, pid: process.pid })}\n`);
// Stay alive until the test kills it; the container outlives it (nothing ties it to this process).
setInterval(() => undefined, 1 << 30);
