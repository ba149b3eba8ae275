import { CodedError } from '../errors.js';

/**
 * Volatile state shared by all controllers: room membership, participant data, chat history,
 * bans, tickets. Two implementations keep the same contract (one test suite runs on both):
 * `MemoryStore` (in-process, the embedded default) and `RedisStore` (`PLENUM_REDIS_URL`).
 *
 * Keys are plain strings; callers build them with `keys.ts`. Values are strings (callers
 * store JSON). Nothing here survives a restart of the store, by design.
 */
export interface VolatileStore {
  get(key: string): Promise<string | undefined>;
  /**
   * Sets a value. `ttlMs`: expire after that many milliseconds. `ifAbsent`: only when the key
   * does not exist. Returns false when `ifAbsent` was given and the key existed.
   */
  set(key: string, value: string, options?: { ttlMs?: number; ifAbsent?: boolean }): Promise<boolean>;
  /** Reads and deletes, atomically. */
  getDelete(key: string): Promise<string | undefined>;
  /** Deletes keys of any type; returns how many existed. */
  delete(...keys: string[]): Promise<number>;
  /** Sets a key's time to live; returns false if the key does not exist. */
  expire(key: string, ttlMs: number): Promise<boolean>;
  increment(key: string): Promise<number>;

  hashSet(key: string, field: string, value: string): Promise<void>;
  hashGet(key: string, field: string): Promise<string | undefined>;
  hashGetAll(key: string): Promise<Record<string, string>>;
  /** Returns true if the field existed. */
  hashDelete(key: string, field: string): Promise<boolean>;
  /** Number of fields; 0 for a missing key. */
  hashLength(key: string): Promise<number>;

  /** Returns true if the member was new. */
  setAdd(key: string, member: string): Promise<boolean>;
  /** Returns true if the member was there. */
  setRemove(key: string, member: string): Promise<boolean>;
  setHas(key: string, member: string): Promise<boolean>;
  setMembers(key: string): Promise<string[]>;

  /** Appends and keeps only the newest `maxLength` entries. */
  listPush(key: string, value: string, maxLength: number): Promise<void>;
  /** All entries, oldest first. */
  listAll(key: string): Promise<string[]>;

  /** Deletes every key starting with `prefix` (a room's keys when it closes); returns how many. */
  deleteByPrefix(prefix: string): Promise<number>;

  /**
   * Runs `fn` while holding a lock named `name` that every controller sharing the store
   * respects. The lock expires after `ttlMs` even if its holder dies. Waits up to `waitMs`
   * (default 5 s) to acquire it, then throws `LockTimeoutError`.
   */
  withLock<T>(name: string, ttlMs: number, fn: () => Promise<T>, waitMs?: number): Promise<T>;

  /** Closes connections. Idempotent; methods reject afterwards. */
  close(): Promise<void>;
}

/** `withLock` waited its `waitMs` and another holder still had the lock. */
export class LockTimeoutError extends CodedError<'lock_timeout'> {
  override readonly name = 'LockTimeoutError';
  constructor(lock: string) {
    super('lock_timeout', `could not acquire lock ${lock}`);
  }
}

/** A method was called after `close()`. */
export class StoreClosedError extends CodedError<'closed'> {
  override readonly name = 'StoreClosedError';
  constructor() {
    super('closed', 'store is closed');
  }
}
