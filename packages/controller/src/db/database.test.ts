import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, testPostgresUrl, type DatabaseKind } from '../test-support/databases.js';
import type { Database } from './database.js';
import { migrate } from './migrate.js';
import { migrations, type Migration } from './migrations.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: testPostgresUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * Bare, unmigrated adapters of one kind straight from their factories (not the test-support
 * wrapper): `open()` gives a new connection to the same empty database, `dispose()` closes them
 * all and removes the database.
 */
async function bareDatabase(kind: DatabaseKind): Promise<{ open(): Promise<Database>; dispose(): Promise<void> }> {
  const opened: Database[] = [];
  if (kind === 'pglite') {
    // An in-memory PGlite belongs to one process, so "another controller" is the same instance.
    const db = await openPglite();
    opened.push(db);
    return {
      open: async () => db,
      dispose: () => db.close(),
    };
  }
  const schema = `plenum_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  return {
    async open() {
      const db = openPostgres({ url: testPostgresUrl, schema, maxConnections: 2 });
      opened.push(db);
      return db;
    },
    async dispose() {
      await Promise.all(opened.map((db) => db.close()));
      await adminQuery(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

async function tableExists(db: Database, name: string): Promise<boolean> {
  const rows = await db.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [name]);
  return rows[0]!.exists;
}

describe.each(databaseKinds)('%s', (kind) => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await db.close();
  });

  describe('migrate', () => {
    it('applies nothing when run again on a migrated database', async () => {
      expect(await migrate(db)).toEqual([]);
      expect(await migrate(db)).toEqual([]);
    });

    it('records every applied version with its name in schema_migrations', async () => {
      const rows = await db.query<{ version: number; name: string; applied_at: Date }>(
        'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
      );
      expect(rows.map(({ version, name }) => ({ version, name }))).toEqual(
        migrations.map(({ version, name }) => ({ version, name })),
      );
      for (const row of rows) expect(row.applied_at).toBeInstanceOf(Date);
    });

    it('creates the tables of the schema', async () => {
      for (const table of ['users', 'rooms', 'events', 'event_invitees', 'invites']) {
        expect(await tableExists(db, table)).toBe(true);
      }
    });

    it('applies only the migrations not yet recorded, each once', async () => {
      const next: Migration = {
        version: 9001,
        name: 'contract test: two tables',
        sql: `CREATE TABLE contract_a (id integer PRIMARY KEY);
              CREATE TABLE contract_b (id integer PRIMARY KEY REFERENCES contract_a (id));`,
      };
      expect(await migrate(db, [...migrations, next])).toEqual([9001]);
      expect(await migrate(db, [...migrations, next])).toEqual([]);
      expect(await tableExists(db, 'contract_a')).toBe(true);
      expect(await tableExists(db, 'contract_b')).toBe(true);
      const recorded = await db.query<{ name: string }>('SELECT name FROM schema_migrations WHERE version = 9001');
      expect(recorded).toEqual([{ name: 'contract test: two tables' }]);
    });

    it('rolls a failing migration back entirely and does not record it', async () => {
      const broken: Migration = {
        version: 9002,
        name: 'contract test: fails halfway',
        sql: `CREATE TABLE contract_half (id integer);
              SELECT 1 / 0;`,
      };
      await expect(migrate(db, [...migrations, broken])).rejects.toThrow(/division by zero/);
      expect(await tableExists(db, 'contract_half')).toBe(false);
      expect(await db.query('SELECT 1 FROM schema_migrations WHERE version = 9002')).toEqual([]);
    });
  });

  it('migrates a fresh database started by two controllers at once, applying each version exactly once', async () => {
    // The race is timing-dependent, so PostgreSQL gets several fresh databases to catch it.
    // PGlite is single-process: there "two controllers" can only take turns.
    const rounds = kind === 'postgres' ? 5 : 1;
    for (let round = 0; round < rounds; round++) {
      const bare = await bareDatabase(kind);
      try {
        const [first, second] = [await bare.open(), await bare.open()];
        const applied =
          kind === 'postgres'
            ? await Promise.all([migrate(first), migrate(second)])
            : [await migrate(first), await migrate(second)];
        expect(applied.flat().sort((a, b) => a - b)).toEqual(migrations.map((m) => m.version));
        const rows = await first.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        expect(rows.map((row) => row.version)).toEqual(migrations.map((m) => m.version));
      } finally {
        await bare.dispose();
      }
    }
  });

  describe('queries and transactions', () => {
    beforeAll(async () => {
      await db.exec(`
        CREATE TABLE notes (
          id    integer PRIMARY KEY,
          body  text NOT NULL
        );
        CREATE INDEX notes_body_idx ON notes (body);
        INSERT INTO notes (id, body) VALUES (1, 'seeded by exec');
      `);
    });

    it('reports its kind and answers ping while open', async () => {
      expect(db.kind).toBe(kind);
      await expect(db.ping()).resolves.toBeUndefined();
    });

    it('exec runs every statement of a multi-statement script', async () => {
      expect(await tableExists(db, 'notes_body_idx')).toBe(true);
      expect(await db.query('SELECT id, body FROM notes WHERE id = 1')).toEqual([{ id: 1, body: 'seeded by exec' }]);
    });

    it('query binds $n parameters as values, never as SQL', async () => {
      const hostile = "x'); DROP TABLE notes; --";
      await db.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [2, hostile]);
      expect(await db.query('SELECT body FROM notes WHERE id = $1', [2])).toEqual([{ body: hostile }]);
      expect(await tableExists(db, 'notes')).toBe(true);
    });

    it('query passes numbers, nulls, timestamps and arrays through', async () => {
      const at = new Date('2027-01-15T08:30:00.123Z');
      const rows = await db.query<{ sum: number; missing: string | null; at: Date; items: string[] }>(
        'SELECT $1::integer + $2::integer AS sum, $3::text AS missing, $4::timestamptz AS at, $5::text[] AS items',
        [2, 3, null, at, ['a', 'b']],
      );
      expect(rows).toEqual([{ sum: 5, missing: null, at, items: ['a', 'b'] }]);
    });

    it('query without parameters returns all rows, and none when nothing matches', async () => {
      expect(await db.query('SELECT n FROM generate_series(1, 3) AS n')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(await db.query('SELECT id FROM notes WHERE id = $1', [-1])).toEqual([]);
    });

    it('query rejects invalid SQL with the database error', async () => {
      await expect(db.query('SELECT FROM WHERE')).rejects.toThrow(/syntax error/);
      await expect(db.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [1, 'again'])).rejects.toThrow(
        /duplicate key/,
      );
    });

    it('transaction commits when its function resolves and returns its result', async () => {
      const result = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [10, 'committed']);
        const seen = await tx.query<{ body: string }>('SELECT body FROM notes WHERE id = $1', [10]);
        return seen[0]!.body;
      });
      expect(result).toBe('committed');
      expect(await db.query('SELECT body FROM notes WHERE id = 10')).toEqual([{ body: 'committed' }]);
    });

    it('transaction rolls back and rethrows when its function throws', async () => {
      const failure = new Error('changed my mind');
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [11, 'rolled back']);
          await tx.exec("UPDATE notes SET body = 'overwritten' WHERE id = 1");
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await db.query('SELECT id FROM notes WHERE id = 11')).toEqual([]);
      expect(await db.query('SELECT body FROM notes WHERE id = 1')).toEqual([{ body: 'seeded by exec' }]);
    });

    it('transaction rolls back earlier statements when a later one fails', async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [12, 'first']);
          await tx.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [12, 'duplicate']);
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await db.query('SELECT id FROM notes WHERE id = 12')).toEqual([]);
    });

    it('the database stays usable after a rolled-back transaction', async () => {
      await expect(
        db.transaction(async () => {
          throw new Error('nope');
        }),
      ).rejects.toThrow('nope');
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [13, 'after rollback']);
      });
      expect(await db.query('SELECT body FROM notes WHERE id = 13')).toEqual([{ body: 'after rollback' }]);
    });
  });

  it('close is idempotent, and ping rejects once closed', async () => {
    const bare = await bareDatabase(kind);
    try {
      const db = await bare.open();
      await db.ping();
      await db.close();
      await expect(db.close()).resolves.toBeUndefined();
      await expect(db.ping()).rejects.toThrow();
    } finally {
      await bare.dispose();
    }
  });
});
