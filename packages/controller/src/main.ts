import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import type { Database } from './db/database.js';
import { migrate } from './db/migrate.js';
import { openPglite } from './db/pglite.js';
import { openPostgres } from './db/postgres.js';
import { devAccounts } from './identity/devProvider/accounts.js';
import { AmqpBroker } from './broker/amqpBroker.js';
import type { Broker } from './broker/broker.js';
import { MemoryBroker, MemoryBus } from './broker/memoryBroker.js';
import { MemoryStore } from './state/memoryStore.js';
import { RedisStore } from './state/redisStore.js';
import type { VolatileStore } from './state/volatileStore.js';
import { loadServerTls, type ServerTls } from './tls/serverTls.js';
import { tlsStartLines } from './tls/startNotice.js';
import { TlsError } from './tls/tlsError.js';

async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) return openPostgres({ url: config.databaseUrl });
  const dir = path.join(config.dataDir, 'db');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return openPglite(dir);
}

function openStore(config: Config): Promise<VolatileStore> {
  return config.redisUrl ? RedisStore.connect(config.redisUrl) : Promise.resolve(new MemoryStore());
}

function openBroker(config: Config): Promise<Broker> {
  return config.amqpUrl ? AmqpBroker.connect(config.amqpUrl) : Promise.resolve(new MemoryBroker(new MemoryBus()));
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let tls: ServerTls | undefined;
  try {
    tls = await loadServerTls(config.tls);
  } catch (error) {
    if (error instanceof TlsError) {
      process.stderr.write(`Plenum cannot start: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const db = await openDatabase(config);
  await migrate(db);
  const store = await openStore(config);
  const broker = await openBroker(config);
  const app = await buildApp({ config, db, store, broker, https: tls && { cert: tls.cert, key: tls.key } });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping');
    await app.close();
    await broker.close();
    await store.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  const lines = [
    '',
    `Plenum is running at ${config.publicUrl}`,
    `  database: ${db.kind === 'pglite' ? `embedded PGlite in ${path.join(config.dataDir, 'db')}` : 'PostgreSQL'}`,
    `  room state: ${config.redisUrl ? 'Redis' : 'in-process'}; broker: ${config.amqpUrl ? 'RabbitMQ' : 'in-process'}`,
    `  identity: ${config.oidc.externalIssuer ? config.oidc.issuer : `built-in dev provider at ${config.oidc.issuer}`}`,
  ];
  if (!config.oidc.externalIssuer) {
    lines.push(`  sign in as ${devAccounts.map((a) => a.username).join(', ')} (password: PLENUM_DEV_PASSWORD, default "plenum")`);
  }
  const media = app.media.address;
  lines.push(
    media
      ? `  media: browsers send media to ${media.advertised} (${media.source}; set PLENUM_MEDIA_PUBLIC_ADDRESS to change), TURN relay: ${app.media.turn}`
      : `  media: ${config.bridge.launcher === 'none' ? 'off' : 'bridges\' own addresses, for browsers on this machine only'}, TURN relay: ${app.media.turn}`,
  );
  if (tls) lines.push(...tlsStartLines(tls, config.publicUrl));
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Plenum failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
