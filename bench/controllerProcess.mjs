// One Plenum controller for the benchmarks, in its own process so that its CPU and memory can be
// measured apart from the clients. Built as packages/controller/src/main.ts builds it, from the
// compiled code in packages/controller/dist (run `npx tsc -b` first), with:
//   - PGlite in memory (nothing on disk), migrated;
//   - BENCH_BACKEND=memory: in-process store and broker (the embedded default);
//     BENCH_BACKEND=redis: Redis (BENCH_REDIS_URL) and RabbitMQ (BENCH_AMQP_URL) under a random
//     key and exchange prefix, removed again on SIGTERM;
//   - the dev identity provider, on a free loopback port;
//   - no conference bridges (PLENUM_BRIDGE_LAUNCHER=none, unless set), as only signaling is measured.
// Every PLENUM_* variable of the environment applies (the bench raises the rate limits).
//
// Prints `BENCH_READY {"url": ..., "pid": ...}` on standard output once it listens. With an
// IPC channel (child_process.fork or stdio 'ipc'), answers `{type: 'stats'}` with its own view:
// event-loop delay since the last `{type: 'reset'}`, signaling sessions, heap; and
// `{type: 'profile-start'}` / `{type: 'profile-stop', file}` take a V8 CPU profile of one phase.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createServer } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const dist = new URL('../packages/controller/dist/', import.meta.url);
const load = (file) => import(new URL(file, dist).href);

const [{ buildApp }, { loadConfig }, { configSchema }, { migrate }, { openPglite }, { MemoryStore }, { RedisStore }, { MemoryBroker, MemoryBus }, { AmqpBroker }] =
  await Promise.all([
    load('app.js'),
    load('config/config.js'),
    load('config/schema.js'),
    load('db/migrate.js'),
    load('db/pglite.js'),
    load('state/memoryStore.js'),
    load('state/redisStore.js'),
    load('broker/memoryBroker.js'),
    load('broker/amqpBroker.js'),
  ]);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const backend = process.env.BENCH_BACKEND ?? 'memory';
if (backend !== 'memory' && backend !== 'redis') {
  process.stderr.write(`BENCH_BACKEND must be memory or redis, got ${backend}\n`);
  process.exit(2);
}
const port = await freePort();
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('PLENUM_')));
// The backend is chosen here, not by PLENUM_* URLs that happen to be set.
delete env.PLENUM_DATABASE_URL;
delete env.PLENUM_REDIS_URL;
delete env.PLENUM_AMQP_URL;
// Signaling only: no conference bridges (media), where this version of the controller has them.
const known = new Set(Object.keys(configSchema.shape));
const config = loadConfig({
  PLENUM_LOG_LEVEL: 'warn',
  ...(known.has('PLENUM_BRIDGE_LAUNCHER') ? { PLENUM_BRIDGE_LAUNCHER: 'none' } : {}),
  ...env,
  PLENUM_PORT: String(port),
  PLENUM_HOST: '127.0.0.1',
  PLENUM_PUBLIC_URL: `http://127.0.0.1:${port}`,
});

const db = await openPglite();
await migrate(db);
const prefix = `bench-${randomBytes(6).toString('hex')}`;
const store =
  backend === 'redis'
    ? await RedisStore.connect(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', { keyPrefix: `${prefix}:` })
    : new MemoryStore();
const broker =
  backend === 'redis'
    ? await AmqpBroker.connect(process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', { exchangePrefix: prefix })
    : new MemoryBroker(new MemoryBus());
const app = await buildApp({ config, db, store, broker });
await app.listen({ port, host: '127.0.0.1' });

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let profiler;
process.on('message', async (message) => {
  if (message?.type === 'profile-start') {
    profiler ??= new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 500 });
    await profiler.post('Profiler.start');
    process.send?.({ type: 'profile-started' });
  } else if (message?.type === 'profile-stop' && profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    profiler.disconnect();
    writeFileSync(message.file, JSON.stringify(profile));
    process.send?.({ type: 'profile-stopped' });
  } else if (message?.type === 'reset') {
    delay.reset();
    process.send?.({ type: 'reset-done' });
  } else if (message?.type === 'stats') {
    const ms = (ns) => Math.round((ns / 1e6) * 100) / 100;
    // With a room: its participant records in the shared store, by state.
    const records = {};
    if (typeof message.roomId === 'string') {
      for (const record of await app.signaling.roomState(message.roomId).participants()) {
        records[record.state] = (records[record.state] ?? 0) + 1;
      }
    }
    process.send?.({
      records,
      type: 'stats',
      eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
      sessions: app.signaling.sessionCount,
      heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1048576),
    });
  }
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  // The bench has closed its clients already; app.close() waits for the sessions still ending,
  // so no session task writes to Redis after the cleanup below.
  const deadline = setTimeout(() => process.exit(0), 10_000);
  deadline.unref();
  await app.close().catch(() => undefined);
  await broker.close().catch(() => undefined);
  try {
    if (backend === 'redis') await store.deleteByPrefix('');
  } catch (error) {
    process.stderr.write(`cleanup of Redis keys under ${prefix}: failed: ${String(error)}\n`);
  }
  await store.close().catch(() => undefined);
  await db.close().catch(() => undefined);
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => void stop());

process.stdout.write(`BENCH_READY ${JSON.stringify({ url: config.publicUrl, pid: process.pid, backend, prefix })}\n`);
