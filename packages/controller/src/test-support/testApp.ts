import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { loadConfig, type Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { MemoryTicketStore } from '../tickets/memoryTicketStore.js';
import { openTestDatabase, type DatabaseKind } from './databases.js';
import { freePort } from './freePort.js';

export interface TestApp {
  app: FastifyInstance;
  baseUrl: string;
  config: Config;
  db: Database;
  tickets: MemoryTicketStore;
  /** Every log line written so far. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * Boots the whole controller on a free loopback port with a fresh database, the dev identity
 * provider unless `env` names another issuer, and logs captured in memory.
 */
export async function startTestApp(options: { database?: DatabaseKind; env?: Record<string, string> } = {}): Promise<TestApp> {
  const port = await freePort();
  const config = loadConfig({
    PLENUM_PORT: String(port),
    PLENUM_PUBLIC_URL: `http://127.0.0.1:${port}`,
    PLENUM_LOG_LEVEL: 'info',
    PLENUM_DEV_PASSWORD: 'test-password',
    ...options.env,
  });
  const db = await openTestDatabase(options.database ?? 'pglite');
  const tickets = new MemoryTicketStore();
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const app = await buildApp({ config, db, tickets, logStream });
  await app.listen({ port, host: '127.0.0.1' });
  return {
    app,
    baseUrl: config.publicUrl,
    config,
    db,
    tickets,
    logs,
    async close() {
      await app.close();
      await tickets.close();
      await db.close();
    },
  };
}
