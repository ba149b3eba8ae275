import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { randomToken } from '../security/randomToken.js';
import { LockTimeoutError, StoreClosedError, type VolatileStore } from './volatileStore.js';
import { redactUrl } from '../security/redactUrl.js';

/** Options of `RedisStore.connect`. */
export interface RedisStoreOptions {
  /** Prepended to every key (and lock), so tests or tenants sharing a Redis stay apart. */
  keyPrefix?: string;
  /** How long to wait for the connection to become ready before giving up (default 5 s). */
  readyTimeoutMs?: number;
  /** Connection errors after start-up (commands also reject); default: ignored. */
  onError?: (error: Error) => void;
}

/**
 * Locks live beside the data under this reserved namespace rather than under their own name:
 * a room's lock is named under the room's prefix, and closing the room (`deleteByPrefix`)
 * inside that lock must neither delete nor count it.
 */
const lockNamespace = '__lock:';
const defaultWaitMs = 5_000;
const defaultReadyTimeoutMs = 5_000;
const scanCount = 1_000;
/** Deletes the lock only if the caller still holds it, so an expired holder cannot free its successor's. */
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * `VolatileStore` on Redis (`PLENUM_REDIS_URL`), shared by every controller using that Redis.
 * Needs Redis 6.2 or later (GETDEL).
 */
export class RedisStore implements VolatileStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  #closing: Promise<void> | undefined;

  private constructor(redis: Redis, keyPrefix: string) {
    this.#redis = redis;
    this.#prefix = keyPrefix;
  }

  /** Connects and waits until Redis is ready; rejects if it is not within `readyTimeoutMs`. */
  static async connect(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
    const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
    let lastError: Error | undefined;
    const onError = (error: Error) => {
      lastError = error;
      options.onError?.(error);
    };
    // Always listening, or ioredis reports every reconnection failure on the console.
    redis.on('error', onError);
    try {
      await waitUntilReady(redis, options.readyTimeoutMs ?? defaultReadyTimeoutMs);
    } catch (error) {
      redis.disconnect();
      const reason = lastError?.message ?? (error instanceof Error ? error.message : String(error));
      throw new Error(`Redis at ${redactUrl(url)} is unreachable: ${reason}`, { cause: lastError ?? error });
    }
    return new RedisStore(redis, options.keyPrefix ?? '');
  }

  async get(key: string): Promise<string | undefined> {
    return orUndefined(await this.#client().get(this.#key(key)));
  }

  async set(key: string, value: string, options: { ttlMs?: number; ifAbsent?: boolean } = {}): Promise<boolean> {
    const redis = this.#client();
    const k = this.#key(key);
    const ifAbsent = options.ifAbsent === true;
    if (options.ttlMs === undefined) {
      return (ifAbsent ? await redis.set(k, value, 'NX') : await redis.set(k, value)) === 'OK';
    }
    const ttl = checkTtl(options.ttlMs);
    return (ifAbsent ? await redis.set(k, value, 'PX', ttl, 'NX') : await redis.set(k, value, 'PX', ttl)) === 'OK';
  }

  async getDelete(key: string): Promise<string | undefined> {
    return orUndefined(await this.#client().getdel(this.#key(key)));
  }

  async delete(...keys: string[]): Promise<number> {
    const redis = this.#client();
    // DEL without keys is a Redis syntax error; deleting nothing is not.
    if (keys.length === 0) return 0;
    return redis.del(...keys.map((key) => this.#key(key)));
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    const redis = this.#client();
    return (await redis.pexpire(this.#key(key), checkTtl(ttlMs))) === 1;
  }

  async increment(key: string): Promise<number> {
    return this.#client().incr(this.#key(key));
  }

  async hashSet(key: string, field: string, value: string): Promise<void> {
    await this.#client().hset(this.#key(key), field, value);
  }

  async hashGet(key: string, field: string): Promise<string | undefined> {
    return orUndefined(await this.#client().hget(this.#key(key), field));
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    return this.#client().hgetall(this.#key(key));
  }

  async hashDelete(key: string, field: string): Promise<boolean> {
    return (await this.#client().hdel(this.#key(key), field)) === 1;
  }

  async hashLength(key: string): Promise<number> {
    return this.#client().hlen(this.#key(key));
  }

  async setAdd(key: string, member: string): Promise<boolean> {
    return (await this.#client().sadd(this.#key(key), member)) === 1;
  }

  async setRemove(key: string, member: string): Promise<boolean> {
    return (await this.#client().srem(this.#key(key), member)) === 1;
  }

  async setHas(key: string, member: string): Promise<boolean> {
    return (await this.#client().sismember(this.#key(key), member)) === 1;
  }

  async setMembers(key: string): Promise<string[]> {
    return this.#client().smembers(this.#key(key));
  }

  async listPush(key: string, value: string, maxLength: number): Promise<void> {
    const redis = this.#client();
    checkMaxLength(maxLength);
    const k = this.#key(key);
    // One transaction, so no reader ever sees the list longer than maxLength.
    const results = await redis.multi().rpush(k, value).ltrim(k, -maxLength, -1).exec();
    if (results === null) throw new Error(`transaction on ${key} was aborted`);
    for (const [error] of results) if (error) throw error;
  }

  async listAll(key: string): Promise<string[]> {
    return this.#client().lrange(this.#key(key), 0, -1);
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    const redis = this.#client();
    const pattern = `${escapeGlob(this.#prefix + prefix)}*`;
    const locks = this.#prefix + lockNamespace;
    let deleted = 0;
    let cursor = '0';
    // SCAN, never KEYS: KEYS blocks Redis for every other controller while it walks all keys.
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', scanCount);
      cursor = next;
      const batch = found.filter((key) => !key.startsWith(locks));
      if (batch.length > 0) deleted += await redis.unlink(...batch);
    } while (cursor !== '0');
    return deleted;
  }

  async withLock<T>(name: string, ttlMs: number, fn: () => Promise<T>, waitMs = defaultWaitMs): Promise<T> {
    this.#assertOpen();
    const ttl = checkTtl(ttlMs);
    const key = this.#prefix + lockNamespace + name;
    const token = randomToken(16);
    const deadline = Date.now() + waitMs;
    let attempt = 0;
    // #client() on every attempt: a store closed while waiting stops waiting.
    while ((await this.#client().set(key, token, 'PX', ttl, 'NX')) !== 'OK') {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new LockTimeoutError(name);
      // Jittered so that controllers waiting for the same lock do not retry in lockstep.
      const backoff = Math.min(5 * 2 ** attempt++, 100) * (0.5 + Math.random() / 2);
      await sleep(Math.min(backoff, remaining));
    }
    try {
      return await fn();
    } finally {
      // Best effort: if the release fails, the lock still expires after its ttl.
      await this.#redis.eval(releaseScript, 1, key, token).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.#closing ??= this.#redis.quit().then(
      () => undefined,
      // QUIT fails when the connection is already down; dropping it is all that is left.
      () => this.#redis.disconnect(),
    );
    return this.#closing;
  }

  #assertOpen(): void {
    if (this.#closing) throw new StoreClosedError();
  }

  /** The client, or `StoreClosedError` once `close` was called. */
  #client(): Redis {
    this.#assertOpen();
    return this.#redis;
  }

  #key(key: string): string {
    return this.#prefix + key;
  }
}

function waitUntilReady(redis: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`not ready within ${timeoutMs} ms`)), timeoutMs);
    const onReady = () => finish();
    const onEnd = () => finish(new Error('connection ended'));
    const finish = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady).off('end', onEnd);
      if (error) reject(error);
      else resolve();
    };
    redis.once('ready', onReady).once('end', onEnd);
  });
}

/** Escapes Redis glob metacharacters so that a prefix matches only itself. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}


function orUndefined(value: string | null): string | undefined {
  return value ?? undefined;
}

/** Redis takes whole milliseconds; rounding up never expires a key early. */
function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}

function checkMaxLength(maxLength: number): void {
  if (!Number.isSafeInteger(maxLength) || maxLength < 1) {
    throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
  }
}
