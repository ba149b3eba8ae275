import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import type { Broker } from '../broker/broker.js';
import { MemoryBroker, MemoryBus } from '../broker/memoryBroker.js';
import { loadConfig, type Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { MemoryStore } from '../state/memoryStore.js';
import type { VolatileStore } from '../state/volatileStore.js';
import { StoreTicketStore } from '../tickets/storeTicketStore.js';
import { loadServerTls, type ServerTls } from '../tls/serverTls.js';
import { openTestDatabase, type DatabaseKind } from './databases.js';
import { freePort } from './freePort.js';

export interface TestApp {
  app: FastifyInstance;
  baseUrl: string;
  config: Config;
  db: Database;
  store: VolatileStore;
  broker: Broker;
  /** The tickets the app issues, for tests that inspect them. */
  tickets: StoreTicketStore;
  /** Every log line written so far. */
  logs: string[];
  /** The certificate served when `env` asks for TLS (for clients to trust); else `undefined`. */
  tls: ServerTls | undefined;
  close(): Promise<void>;
}

export interface TestAppOptions {
  database?: DatabaseKind;
  env?: Record<string, string>;
  /** Share state and broker with other test apps (several controllers); default: fresh in-process ones. */
  store?: VolatileStore;
  broker?: Broker;
  /** An already-open database to share (several controllers); not closed by `close()`. */
  db?: Database;
}

/**
 * Boots the whole controller on a free loopback port with a fresh database, the dev identity
 * provider unless `env` names another issuer, and logs captured in memory. With
 * `PLENUM_TLS_CERT`/`PLENUM_TLS_KEY` or `PLENUM_TLS_SELF_SIGNED` in `env` it serves HTTPS and
 * `baseUrl` starts with `https://`.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const port = await freePort();
  const secure = Boolean(options.env?.PLENUM_TLS_CERT || options.env?.PLENUM_TLS_SELF_SIGNED);
  const config = loadConfig({
    PLENUM_PORT: String(port),
    PLENUM_PUBLIC_URL: `${secure ? 'https' : 'http'}://${options.env?.PLENUM_HOST ?? '127.0.0.1'}:${port}`,
    PLENUM_LOG_LEVEL: 'info',
    PLENUM_DEV_PASSWORD: 'test-password',
    // Tests that need media say so; the others do not start a Janus per room.
    PLENUM_BRIDGE_LAUNCHER: 'none',
    // Browsers of tests run on this machine unless a test puts them on other networks.
    PLENUM_MEDIA_PUBLIC_ADDRESS: 'internal',
    // A TURN relay only where a test asks for one (test/readmeDefaults.browser.test.ts runs the default).
    PLENUM_TURN: 'off',
    ...options.env,
  });
  const tls = await loadServerTls(config.tls);
  const db = options.db ?? (await openTestDatabase(options.database ?? 'pglite'));
  const store = options.store ?? new MemoryStore();
  const broker = options.broker ?? new MemoryBroker(new MemoryBus());
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const app = await buildApp({ config, db, store, broker, logStream, https: tls && { cert: tls.cert, key: tls.key } });
  await app.listen({ port, host: config.host });
  return {
    app,
    baseUrl: config.publicUrl,
    config,
    db,
    store,
    broker,
    tickets: new StoreTicketStore(store),
    logs,
    tls,
    async close() {
      await app.close();
      if (!options.broker) await broker.close();
      if (!options.store) await store.close();
      if (!options.db) await db.close();
    },
  };
}
