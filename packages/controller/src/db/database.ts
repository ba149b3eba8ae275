/** Anything that runs SQL with `$1`-style parameters: the database or an open transaction. */
export interface Queryable {
  query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * The persistence port. Two adapters implement it: PostgreSQL (`pg`) and PGlite (Postgres
 * compiled to WebAssembly, in-process). Both run the same SQL and migrations.
 */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Closes connections. Idempotent. */
  close(): Promise<void>;
}

/** The single row a statement like `INSERT … RETURNING` must produce. */
export function onlyRow<Row>(rows: Row[]): Row {
  const [row] = rows;
  if (row === undefined) throw new Error('statement returned no row');
  return row;
}
