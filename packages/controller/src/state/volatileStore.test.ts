import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { freePort } from '../test-support/freePort.js';
import { MemoryStore } from './memoryStore.js';
import { RedisStore, type RedisStoreOptions } from './redisStore.js';
import { volatileStoreContract } from './volatileStore.contract.js';
import { LockTimeoutError, type VolatileStore } from './volatileStore.js';

const redisUrl = process.env.PLENUM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Everything this run writes to Redis lives under this prefix, removed at the end. */
const runPrefix = `plenum-test:${randomBytes(6).toString('hex')}:`;
let prefixes = 0;

/** A prefix of its own per store, so no test sees another's keys. */
function nextPrefix(): string {
  prefixes++;
  return `${runPrefix}${prefixes}:`;
}

function openRedis(options: RedisStoreOptions = {}): Promise<RedisStore> {
  return RedisStore.connect(redisUrl, { keyPrefix: nextPrefix(), ...options });
}

afterAll(async () => {
  const cleaner = await RedisStore.connect(redisUrl, { keyPrefix: runPrefix });
  await cleaner.deleteByPrefix('');
  await cleaner.close();
});

volatileStoreContract('MemoryStore', async () => new MemoryStore());
volatileStoreContract('RedisStore', () => openRedis());

describe('MemoryStore on its own clock', () => {
  it('expires keys by the injected clock', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    await store.set('k', 'v', { ttlMs: 1_000 });
    await store.hashSet('h', 'f', 'v');
    await store.expire('h', 2_000);
    now += 999;
    expect(await store.get('k')).toBe('v');
    now += 1;
    expect(await store.get('k')).toBeUndefined();
    expect(await store.hashGetAll('h')).toEqual({ f: 'v' });
    now += 1_000;
    expect(await store.hashGetAll('h')).toEqual({});
    await store.close();
  });
});

describe('RedisStore across controllers', () => {
  const open: VolatileStore[] = [];

  /** Two stores on separate connections with the same prefix: two controllers sharing Redis. */
  async function twoControllers(): Promise<[VolatileStore, VolatileStore]> {
    const keyPrefix = nextPrefix();
    const a = await RedisStore.connect(redisUrl, { keyPrefix });
    const b = await RedisStore.connect(redisUrl, { keyPrefix });
    open.push(a, b);
    return [a, b];
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });

  it('each sees the other’s writes', async () => {
    const [a, b] = await twoControllers();
    await a.set('k', 'v');
    await a.hashSet('h', 'f', 'v');
    expect(await b.get('k')).toBe('v');
    expect(await b.hashGetAll('h')).toEqual({ f: 'v' });
    expect(await b.getDelete('k')).toBe('v');
    expect(await a.get('k')).toBeUndefined();
    expect(await b.deleteByPrefix('')).toBe(1);
    expect(await a.hashGetAll('h')).toEqual({});
  });

  it('exclude each other under withLock', async () => {
    const [a, b] = await twoControllers();
    const events: string[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? a : b).withLock('lock', 5_000, async () => {
          events.push(`enter ${i}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
          events.push(`exit ${i}`);
        }),
      ),
    );
    expect(events).toHaveLength(20);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i]!.replace('enter', 'exit'));
  });

  it('one waits for the other’s lock, and takes it once the other dies holding it', async () => {
    const [a, b] = await twoControllers();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const holder = a.withLock('lock', 200, () => held);
    await expect(b.withLock('lock', 1_000, async () => undefined, 50)).rejects.toBeInstanceOf(LockTimeoutError);
    // The holder's controller goes away without releasing; the lock's ttl frees it.
    await a.close();
    expect(await b.withLock('lock', 1_000, async () => 'taken', 3_000)).toBe('taken');
    release();
    await holder;
  });
});

describe('RedisStore', () => {
  it('keeps stores with different key prefixes apart', async () => {
    const outer = nextPrefix();
    const whole = await RedisStore.connect(redisUrl, { keyPrefix: outer });
    const inner = await RedisStore.connect(redisUrl, { keyPrefix: `${outer}inner:` });
    await inner.set('k', 'v');
    // The same Redis key, seen through the shorter prefix.
    expect(await whole.get('inner:k')).toBe('v');
    expect(await whole.get('k')).toBeUndefined();
    await whole.set('k', 'outer');
    expect(await inner.deleteByPrefix('')).toBe(1);
    expect(await whole.get('k')).toBe('outer');
    await Promise.all([whole.close(), inner.close()]);
  });

  it('takes glob characters in the key prefix literally', async () => {
    const base = nextPrefix();
    const globbed = await RedisStore.connect(redisUrl, { keyPrefix: `${base}a*[b]?\\:` });
    const lookalike = await RedisStore.connect(redisUrl, { keyPrefix: `${base}axbz:` });
    await globbed.set('k', 'v');
    await lookalike.set('k', 'v');
    expect(await globbed.deleteByPrefix('')).toBe(1);
    expect(await lookalike.get('k')).toBe('v');
    await Promise.all([globbed.close(), lookalike.close()]);
  });

  it('fails to connect clearly, without the password, when Redis is unreachable', async () => {
    const port = await freePort();
    const onError = vi.fn();
    const connecting = RedisStore.connect(`redis://user:s3cret@127.0.0.1:${port}`, { readyTimeoutMs: 300, onError });
    await expect(connecting).rejects.toThrow(/^Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1:\d+ is unreachable/);
    await expect(connecting).rejects.not.toThrow(/s3cret/);
    expect(onError).toHaveBeenCalled();
  });
});
