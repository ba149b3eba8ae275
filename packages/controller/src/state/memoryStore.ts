import { LockTimeoutError, StoreClosedError, type VolatileStore } from './volatileStore.js';

/** What each Redis type holds. */
interface Data {
  string: string;
  hash: Map<string, string>;
  set: Set<string>;
  list: string[];
}

interface Typed<K extends keyof Data> {
  readonly type: K;
  data: Data[K];
}

type Value = { [K in keyof Data]: Typed<K> }[keyof Data];

interface Entry {
  value: Value;
  /** Epoch milliseconds (by the store's clock) after which the key is gone; none: never. */
  expiresAt: number | undefined;
}

interface LockHolder {
  readonly token: symbol;
  /** Takes the lock away from a holder that outlives its ttl. */
  readonly expiry: NodeJS.Timeout;
}

interface LockWaiter {
  readonly ttlMs: number;
  readonly grant: (token: symbol) => void;
  readonly fail: (error: Error) => void;
  readonly timeout: NodeJS.Timeout;
}

/** Redis's wording, so callers see the same failure from either store. */
const wrongType = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const defaultWaitMs = 5_000;
const sweepIntervalMs = 10_000;

/**
 * In-process `VolatileStore`: the embedded default for a single controller. Mirrors Redis's
 * semantics where callers could notice (empty hashes and sets vanish, `set` clears a ttl,
 * `increment` keeps it, operations on a key of another type throw `WRONGTYPE`).
 *
 * Key ttls follow `now` (injectable for tests); lock ttls and `waitMs` use real timers.
 */
export class MemoryStore implements VolatileStore {
  readonly #entries = new Map<string, Entry>();
  readonly #locks = new Map<string, LockHolder>();
  readonly #waiters = new Map<string, LockWaiter[]>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;
  #closed = false;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
    // Expiry is lazy on access; the sweep drops keys nobody reads again so memory stays bounded.
    this.#sweeper = setInterval(() => this.#sweep(), sweepIntervalMs);
    this.#sweeper.unref();
  }

  async get(key: string): Promise<string | undefined> {
    return this.#typed(key, 'string')?.data;
  }

  async set(key: string, value: string, options: { ttlMs?: number; ifAbsent?: boolean } = {}): Promise<boolean> {
    this.#assertOpen();
    const expiresAt = options.ttlMs === undefined ? undefined : this.#now() + checkTtl(options.ttlMs);
    if (options.ifAbsent === true && this.#live(key)) return false;
    this.#entries.set(key, { value: { type: 'string', data: value }, expiresAt });
    return true;
  }

  async getDelete(key: string): Promise<string | undefined> {
    const value = this.#typed(key, 'string')?.data;
    this.#entries.delete(key);
    return value;
  }

  async delete(...keys: string[]): Promise<number> {
    this.#assertOpen();
    let deleted = 0;
    for (const key of new Set(keys)) {
      if (this.#live(key)) {
        this.#entries.delete(key);
        deleted++;
      }
    }
    return deleted;
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    this.#assertOpen();
    const expiresAt = this.#now() + checkTtl(ttlMs);
    const entry = this.#live(key);
    if (!entry) return false;
    entry.expiresAt = expiresAt;
    return true;
  }

  async increment(key: string): Promise<number> {
    const current = this.#typed(key, 'string');
    const next = (current === undefined ? 0 : parseInteger(current.data)) + 1;
    if (current) current.data = String(next);
    else this.#entries.set(key, { value: { type: 'string', data: String(next) }, expiresAt: undefined });
    return next;
  }

  async hashSet(key: string, field: string, value: string): Promise<void> {
    this.#typedOrCreate(key, 'hash', () => new Map<string, string>()).set(field, value);
  }

  async hashGet(key: string, field: string): Promise<string | undefined> {
    return this.#typed(key, 'hash')?.data.get(field);
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.#typed(key, 'hash')?.data ?? []);
  }

  async hashDelete(key: string, field: string): Promise<boolean> {
    const hash = this.#typed(key, 'hash')?.data;
    const existed = hash?.delete(field) ?? false;
    if (hash?.size === 0) this.#entries.delete(key);
    return existed;
  }

  async hashLength(key: string): Promise<number> {
    return this.#typed(key, 'hash')?.data.size ?? 0;
  }

  async setAdd(key: string, member: string): Promise<boolean> {
    const set = this.#typedOrCreate(key, 'set', () => new Set<string>());
    if (set.has(member)) return false;
    set.add(member);
    return true;
  }

  async setRemove(key: string, member: string): Promise<boolean> {
    const set = this.#typed(key, 'set')?.data;
    const existed = set?.delete(member) ?? false;
    if (set?.size === 0) this.#entries.delete(key);
    return existed;
  }

  async setHas(key: string, member: string): Promise<boolean> {
    return this.#typed(key, 'set')?.data.has(member) ?? false;
  }

  async setMembers(key: string): Promise<string[]> {
    return [...(this.#typed(key, 'set')?.data ?? [])];
  }

  async listPush(key: string, value: string, maxLength: number): Promise<void> {
    this.#assertOpen();
    checkMaxLength(maxLength);
    const list = this.#typedOrCreate(key, 'list', () => []);
    list.push(value);
    if (list.length > maxLength) list.splice(0, list.length - maxLength);
  }

  async listAll(key: string): Promise<string[]> {
    return [...(this.#typed(key, 'list')?.data ?? [])];
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    this.#assertOpen();
    let deleted = 0;
    for (const key of [...this.#entries.keys()]) {
      if (key.startsWith(prefix) && this.#live(key)) {
        this.#entries.delete(key);
        deleted++;
      }
    }
    return deleted;
  }

  async withLock<T>(name: string, ttlMs: number, fn: () => Promise<T>, waitMs = defaultWaitMs): Promise<T> {
    this.#assertOpen();
    checkTtl(ttlMs);
    const token = await this.#acquire(name, ttlMs, waitMs);
    try {
      return await fn();
    } finally {
      this.#release(name, token);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#entries.clear();
    for (const holder of this.#locks.values()) clearTimeout(holder.expiry);
    this.#locks.clear();
    for (const queue of this.#waiters.values()) {
      for (const waiter of queue) {
        clearTimeout(waiter.timeout);
        waiter.fail(new StoreClosedError());
      }
    }
    this.#waiters.clear();
  }

  #acquire(name: string, ttlMs: number, waitMs: number): Promise<symbol> {
    if (!this.#locks.has(name)) return Promise.resolve(this.#grant(name, ttlMs));
    return new Promise<symbol>((resolve, reject) => {
      const queue = this.#waiters.get(name) ?? [];
      const waiter: LockWaiter = {
        ttlMs,
        grant: resolve,
        fail: reject,
        timeout: setTimeout(() => {
          queue.splice(queue.indexOf(waiter), 1);
          if (queue.length === 0) this.#waiters.delete(name);
          reject(new LockTimeoutError(name));
        }, waitMs),
      };
      queue.push(waiter);
      this.#waiters.set(name, queue);
    });
  }

  #grant(name: string, ttlMs: number): symbol {
    const token = Symbol(name);
    const expiry = setTimeout(() => this.#release(name, token), ttlMs);
    this.#locks.set(name, { token, expiry });
    return token;
  }

  /** Releases the lock if `token` still holds it, and hands it straight to the next waiter. */
  #release(name: string, token: symbol): void {
    const holder = this.#locks.get(name);
    // A holder whose lock expired must not release its successor's.
    if (holder?.token !== token) return;
    clearTimeout(holder.expiry);
    this.#locks.delete(name);
    const queue = this.#waiters.get(name);
    const next = queue?.shift();
    if (queue?.length === 0) this.#waiters.delete(name);
    if (next) {
      // Handing over directly (rather than waking the waiter to retry) keeps the queue fair.
      clearTimeout(next.timeout);
      next.grant(this.#grant(name, next.ttlMs));
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }

  /** The entry of a key that has not expired, dropping it if it has. */
  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #typed<K extends keyof Data>(key: string, type: K): Typed<K> | undefined {
    this.#assertOpen();
    const value = this.#live(key)?.value;
    if (value === undefined) return undefined;
    if (value.type !== type) throw new Error(wrongType);
    // The tag was just checked; TypeScript cannot narrow a union by a generic tag.
    return value as Typed<K>;
  }

  #typedOrCreate<K extends 'hash' | 'set' | 'list'>(key: string, type: K, create: () => Data[K]): Data[K] {
    const existing = this.#typed(key, type);
    if (existing) return existing.data;
    const data = create();
    this.#entries.set(key, { value: { type, data } as Value, expiresAt: undefined });
    return data;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#entries.delete(key);
    }
  }
}

function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
  return ttlMs;
}

function checkMaxLength(maxLength: number): void {
  if (!Number.isSafeInteger(maxLength) || maxLength < 1) {
    throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
  }
}

/** Like Redis's INCR: only a string holding a 64-bit-ish integer can be incremented. */
function parseInteger(data: string): number {
  if (!/^-?\d+$/.test(data) || !Number.isSafeInteger(Number(data))) {
    throw new Error('ERR value is not an integer or out of range');
  }
  return Number(data);
}
