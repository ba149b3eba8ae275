import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LockTimeoutError, StoreClosedError, type VolatileStore } from './volatileStore.js';

/** Short real ttls keep the suite fast; expiry is polled, never slept for. */
const shortTtlMs = 100;
const untilExpired = { timeout: 3_000, interval: 20 };

/**
 * The behaviour every `VolatileStore` must have, as a vitest suite. `open` must return a fresh,
 * empty store (or one whose keys no other test sees); the suite closes it after each test.
 */
export function volatileStoreContract(name: string, open: () => Promise<VolatileStore>): void {
  describe(name, () => {
    let store: VolatileStore;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('strings', () => {
      it('reads back what was set, and nothing for a missing key', async () => {
        expect(await store.set('k', 'v')).toBe(true);
        expect(await store.get('k')).toBe('v');
        expect(await store.get('missing')).toBeUndefined();
      });

      it('overwrites a value', async () => {
        await store.set('k', 'one');
        expect(await store.set('k', 'two')).toBe(true);
        expect(await store.get('k')).toBe('two');
      });

      it('with ifAbsent, sets only a missing key and reports whether it did', async () => {
        expect(await store.set('k', 'first', { ifAbsent: true })).toBe(true);
        expect(await store.set('k', 'second', { ifAbsent: true })).toBe(false);
        expect(await store.get('k')).toBe('first');
      });

      it('forgets a value after its ttl', async () => {
        await store.set('k', 'v', { ttlMs: shortTtlMs });
        expect(await store.get('k')).toBe('v');
        await vi.waitFor(async () => expect(await store.get('k')).toBeUndefined(), untilExpired);
      });

      it('with ifAbsent and a ttl, sets the key again once it expired', async () => {
        expect(await store.set('k', 'first', { ttlMs: shortTtlMs, ifAbsent: true })).toBe(true);
        expect(await store.set('k', 'second', { ttlMs: shortTtlMs, ifAbsent: true })).toBe(false);
        await vi.waitFor(async () => expect(await store.get('k')).toBeUndefined(), untilExpired);
        expect(await store.set('k', 'third', { ifAbsent: true })).toBe(true);
        expect(await store.get('k')).toBe('third');
      });

      it('set without a ttl removes an earlier ttl', async () => {
        await store.set('k', 'expiring', { ttlMs: shortTtlMs });
        await store.set('k', 'kept');
        // A sentinel set later with the same ttl: once it is gone, the first ttl has passed too.
        await store.set('sentinel', 'x', { ttlMs: shortTtlMs });
        await vi.waitFor(async () => expect(await store.get('sentinel')).toBeUndefined(), untilExpired);
        expect(await store.get('k')).toBe('kept');
      });

      it('rejects a ttl that is not positive', async () => {
        await expect(store.set('k', 'v', { ttlMs: 0 })).rejects.toBeInstanceOf(RangeError);
        await expect(store.set('k', 'v', { ttlMs: -5 })).rejects.toBeInstanceOf(RangeError);
        await expect(store.expire('k', 0)).rejects.toBeInstanceOf(RangeError);
        expect(await store.get('k')).toBeUndefined();
      });
    });

    describe('getDelete', () => {
      it('returns the value and removes the key', async () => {
        await store.set('k', 'v');
        expect(await store.getDelete('k')).toBe('v');
        expect(await store.get('k')).toBeUndefined();
        expect(await store.getDelete('k')).toBeUndefined();
      });

      it('hands a value to exactly one of many concurrent callers', async () => {
        await store.set('ticket', 'grant');
        const results = await Promise.all(Array.from({ length: 20 }, () => store.getDelete('ticket')));
        expect(results.filter((result) => result === 'grant')).toHaveLength(1);
        expect(results.filter((result) => result === undefined)).toHaveLength(19);
      });

      it('does not return an expired value', async () => {
        await store.set('k', 'v', { ttlMs: shortTtlMs });
        await vi.waitFor(async () => expect(await store.get('k')).toBeUndefined(), untilExpired);
        expect(await store.getDelete('k')).toBeUndefined();
      });
    });

    describe('hash length', () => {
      it('counts the fields of a hash, and 0 for a missing one', async () => {
        expect(await store.hashLength('lengths')).toBe(0);
        await store.hashSet('lengths', 'a', '1');
        await store.hashSet('lengths', 'b', '2');
        await store.hashSet('lengths', 'a', '3');
        expect(await store.hashLength('lengths')).toBe(2);
        await store.hashDelete('lengths', 'a');
        await store.hashDelete('lengths', 'b');
        expect(await store.hashLength('lengths')).toBe(0);
      });
    });

    describe('delete and expire', () => {
      it('deletes keys of every type and counts those that existed', async () => {
        await store.set('string', 'v');
        await store.hashSet('hash', 'f', 'v');
        await store.setAdd('set', 'm');
        await store.listPush('list', 'v', 10);
        expect(await store.delete('string', 'hash', 'set', 'list', 'missing')).toBe(4);
        expect(await store.get('string')).toBeUndefined();
        expect(await store.hashGetAll('hash')).toEqual({});
        expect(await store.setMembers('set')).toEqual([]);
        expect(await store.listAll('list')).toEqual([]);
      });

      it('counts a key named twice once, and deleting nothing deletes nothing', async () => {
        await store.set('k', 'v');
        expect(await store.delete('k', 'k')).toBe(1);
        expect(await store.delete()).toBe(0);
      });

      it('expire reports false for a missing key', async () => {
        expect(await store.expire('missing', 1_000)).toBe(false);
      });

      it('expire gives a key of any type a ttl', async () => {
        await store.set('string', 'v');
        await store.hashSet('hash', 'f', 'v');
        await store.setAdd('set', 'm');
        await store.listPush('list', 'v', 10);
        for (const key of ['string', 'hash', 'set', 'list']) expect(await store.expire(key, shortTtlMs)).toBe(true);
        await vi.waitFor(async () => {
          expect(await store.get('string')).toBeUndefined();
          expect(await store.hashGetAll('hash')).toEqual({});
          expect(await store.setMembers('set')).toEqual([]);
          expect(await store.listAll('list')).toEqual([]);
        }, untilExpired);
      });

      it('an expired key no longer counts as existing', async () => {
        await store.set('k', 'v', { ttlMs: shortTtlMs });
        await vi.waitFor(async () => expect(await store.get('k')).toBeUndefined(), untilExpired);
        expect(await store.delete('k')).toBe(0);
        expect(await store.expire('k', 1_000)).toBe(false);
      });
    });

    describe('increment', () => {
      it('counts up from 1 for a missing key', async () => {
        expect(await store.increment('n')).toBe(1);
        expect(await store.increment('n')).toBe(2);
        expect(await store.get('n')).toBe('2');
      });

      it('continues from an integer that was set', async () => {
        await store.set('n', '41');
        expect(await store.increment('n')).toBe(42);
      });

      it('never hands out the same number twice under concurrency', async () => {
        const numbers = await Promise.all(Array.from({ length: 50 }, () => store.increment('n')));
        expect(new Set(numbers).size).toBe(50);
        expect(Math.max(...numbers)).toBe(50);
      });

      it('keeps the key’s ttl', async () => {
        await store.set('n', '1', { ttlMs: shortTtlMs });
        expect(await store.increment('n')).toBe(2);
        await vi.waitFor(async () => expect(await store.get('n')).toBeUndefined(), untilExpired);
        expect(await store.increment('n')).toBe(1);
      });

      it('rejects a value that is not an integer', async () => {
        await store.set('n', 'three');
        await expect(store.increment('n')).rejects.toThrow();
        expect(await store.get('n')).toBe('three');
      });
    });

    describe('hashes', () => {
      it('sets, reads and lists fields', async () => {
        await store.hashSet('h', 'a', '1');
        await store.hashSet('h', 'b', '2');
        await store.hashSet('h', 'a', '3');
        expect(await store.hashGet('h', 'a')).toBe('3');
        expect(await store.hashGet('h', 'missing')).toBeUndefined();
        expect(await store.hashGet('missing', 'a')).toBeUndefined();
        expect(await store.hashGetAll('h')).toEqual({ a: '3', b: '2' });
        expect(await store.hashGetAll('missing')).toEqual({});
      });

      it('deletes fields, reporting whether they existed', async () => {
        await store.hashSet('h', 'a', '1');
        await store.hashSet('h', 'b', '2');
        expect(await store.hashDelete('h', 'a')).toBe(true);
        expect(await store.hashDelete('h', 'a')).toBe(false);
        expect(await store.hashDelete('missing', 'a')).toBe(false);
        expect(await store.hashGetAll('h')).toEqual({ b: '2' });
      });

      it('removes the key with its last field', async () => {
        await store.hashSet('h', 'a', '1');
        await store.hashDelete('h', 'a');
        expect(await store.delete('h')).toBe(0);
      });

      it('treats field names like __proto__ as plain fields', async () => {
        await store.hashSet('h', '__proto__', 'x');
        await store.hashSet('h', 'constructor', 'y');
        const all = await store.hashGetAll('h');
        expect(Object.entries(all)).toEqual(expect.arrayContaining([['__proto__', 'x'], ['constructor', 'y']]));
        expect(Object.getPrototypeOf(all)).toBe(Object.prototype);
      });
    });

    describe('sets', () => {
      it('adds members once, reporting whether they were new', async () => {
        expect(await store.setAdd('s', 'a')).toBe(true);
        expect(await store.setAdd('s', 'a')).toBe(false);
        expect(await store.setAdd('s', 'b')).toBe(true);
        expect((await store.setMembers('s')).sort()).toEqual(['a', 'b']);
        expect(await store.setMembers('missing')).toEqual([]);
      });

      it('answers membership', async () => {
        await store.setAdd('s', 'a');
        expect(await store.setHas('s', 'a')).toBe(true);
        expect(await store.setHas('s', 'b')).toBe(false);
        expect(await store.setHas('missing', 'a')).toBe(false);
      });

      it('removes members, reporting whether they were there, and the key with the last one', async () => {
        await store.setAdd('s', 'a');
        await store.setAdd('s', 'b');
        expect(await store.setRemove('s', 'a')).toBe(true);
        expect(await store.setRemove('s', 'a')).toBe(false);
        expect(await store.setRemove('missing', 'a')).toBe(false);
        expect(await store.setMembers('s')).toEqual(['b']);
        await store.setRemove('s', 'b');
        expect(await store.delete('s')).toBe(0);
      });
    });

    describe('lists', () => {
      it('lists entries oldest first', async () => {
        for (const value of ['a', 'b', 'c']) await store.listPush('l', value, 10);
        expect(await store.listAll('l')).toEqual(['a', 'b', 'c']);
        expect(await store.listAll('missing')).toEqual([]);
      });

      it('keeps only the newest maxLength entries', async () => {
        for (const value of ['1', '2', '3', '4', '5']) await store.listPush('l', value, 3);
        expect(await store.listAll('l')).toEqual(['3', '4', '5']);
        await store.listPush('l', '6', 2);
        expect(await store.listAll('l')).toEqual(['5', '6']);
      });

      it('stays within maxLength under concurrent pushes', async () => {
        await Promise.all(Array.from({ length: 30 }, (_, i) => store.listPush('l', String(i), 10)));
        expect(await store.listAll('l')).toHaveLength(10);
      });

      it('rejects a maxLength below 1', async () => {
        await expect(store.listPush('l', 'v', 0)).rejects.toBeInstanceOf(RangeError);
        expect(await store.listAll('l')).toEqual([]);
      });
    });

    describe('keys of another type', () => {
      beforeEach(async () => {
        await store.set('string', 'v');
        await store.hashSet('hash', 'f', 'v');
        await store.setAdd('set', 'm');
        await store.listPush('list', 'v', 10);
      });

      it('are rejected, like Redis’s WRONGTYPE, and left unchanged', async () => {
        const wrongType = /WRONGTYPE/;
        await expect(store.get('hash')).rejects.toThrow(wrongType);
        await expect(store.getDelete('set')).rejects.toThrow(wrongType);
        await expect(store.increment('list')).rejects.toThrow(wrongType);
        await expect(store.hashSet('string', 'f', 'v')).rejects.toThrow(wrongType);
        await expect(store.hashGet('set', 'f')).rejects.toThrow(wrongType);
        await expect(store.hashGetAll('list')).rejects.toThrow(wrongType);
        await expect(store.hashDelete('string', 'f')).rejects.toThrow(wrongType);
        await expect(store.setAdd('hash', 'm')).rejects.toThrow(wrongType);
        await expect(store.setRemove('string', 'm')).rejects.toThrow(wrongType);
        await expect(store.setHas('list', 'm')).rejects.toThrow(wrongType);
        await expect(store.setMembers('hash')).rejects.toThrow(wrongType);
        await expect(store.listPush('set', 'v', 10)).rejects.toThrow(wrongType);
        await expect(store.listAll('string')).rejects.toThrow(wrongType);
        expect(await store.get('string')).toBe('v');
        expect(await store.hashGetAll('hash')).toEqual({ f: 'v' });
        expect(await store.setMembers('set')).toEqual(['m']);
        expect(await store.listAll('list')).toEqual(['v']);
      });

      it('are replaced by set, unless ifAbsent', async () => {
        expect(await store.set('hash', 'x', { ifAbsent: true })).toBe(false);
        expect(await store.set('hash', 'x')).toBe(true);
        expect(await store.get('hash')).toBe('x');
      });
    });

    describe('deleteByPrefix', () => {
      it('deletes exactly the keys of every type that start with the prefix', async () => {
        await store.set('room:1:string', 'v');
        await store.increment('room:1:counter');
        await store.hashSet('room:1:hash', 'f', 'v');
        await store.setAdd('room:1:set', 'm');
        await store.listPush('room:1:list', 'v', 10);
        await store.set('room:10:string', 'v');
        await store.setAdd('room:10:set', 'm');
        await store.set('room:1', 'v');
        await store.set('other', 'v');

        expect(await store.deleteByPrefix('room:1:')).toBe(5);

        expect(await store.get('room:1:string')).toBeUndefined();
        expect(await store.get('room:1:counter')).toBeUndefined();
        expect(await store.hashGetAll('room:1:hash')).toEqual({});
        expect(await store.setMembers('room:1:set')).toEqual([]);
        expect(await store.listAll('room:1:list')).toEqual([]);
        expect(await store.get('room:10:string')).toBe('v');
        expect(await store.setMembers('room:10:set')).toEqual(['m']);
        expect(await store.get('room:1')).toBe('v');
        expect(await store.get('other')).toBe('v');
      });

      it('returns 0 when nothing matches', async () => {
        await store.set('other', 'v');
        expect(await store.deleteByPrefix('room:1:')).toBe(0);
      });

      it('takes glob characters in the prefix literally', async () => {
        for (const key of ['a*:1', 'a?:1', 'a[b]:1', 'a\\:1', 'ax:1', 'ab:1', 'a]:1']) await store.set(key, 'v');
        expect(await store.deleteByPrefix('a*:')).toBe(1);
        expect(await store.deleteByPrefix('a?:')).toBe(1);
        expect(await store.deleteByPrefix('a[b]:')).toBe(1);
        expect(await store.deleteByPrefix('a\\:')).toBe(1);
        for (const key of ['ax:1', 'ab:1', 'a]:1']) expect(await store.get(key)).toBe('v');
      });

      it('deletes many keys', async () => {
        await Promise.all(Array.from({ length: 2_500 }, (_, i) => store.set(`big:${i}`, 'v')));
        await store.set('bigger', 'v');
        expect(await store.deleteByPrefix('big:')).toBe(2_500);
        expect(await store.get('big:0')).toBeUndefined();
        expect(await store.get('bigger')).toBe('v');
      });
    });

    describe('withLock', () => {
      it('returns what the critical section returns', async () => {
        expect(await store.withLock('lock', 1_000, async () => 42)).toBe(42);
      });

      it('never lets two critical sections of one lock overlap', async () => {
        const events: string[] = [];
        await store.set('counter', '0');
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.withLock('lock', 5_000, async () => {
              events.push(`enter ${i}`);
              // A read-modify-write that would lose updates without the lock.
              const value = Number(await store.get('counter'));
              await sleep(5);
              await store.set('counter', String(value + 1));
              events.push(`exit ${i}`);
            }),
          ),
        );
        expect(events).toHaveLength(20);
        for (let i = 0; i < events.length; i += 2) {
          expect(events[i + 1]).toBe(events[i]?.replace('enter', 'exit'));
        }
        expect(await store.get('counter')).toBe('10');
      });

      it('does not make locks of different names exclude each other', async () => {
        const held = deferred();
        const holder = store.withLock('a', 5_000, () => held.promise);
        expect(await store.withLock('b', 1_000, async () => 'b', 0)).toBe('b');
        held.resolve();
        await holder;
      });

      it('releases the lock when the critical section throws, and passes the error on', async () => {
        await expect(
          store.withLock('lock', 5_000, async () => {
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await store.withLock('lock', 1_000, async () => 'free', 0)).toBe('free');
      });

      it('gives up with LockTimeoutError after waitMs, without running the critical section', async () => {
        const held = deferred();
        const holder = store.withLock('lock', 5_000, () => held.promise);
        const fn = vi.fn(async () => undefined);
        const started = Date.now();
        await expect(store.withLock('lock', 1_000, fn, 100)).rejects.toBeInstanceOf(LockTimeoutError);
        expect(Date.now() - started).toBeGreaterThanOrEqual(90);
        expect(fn).not.toHaveBeenCalled();
        held.resolve();
        await holder;
      });

      it('takes the lock from a holder that outlives its ttl, and the late holder cannot release it', async () => {
        const dead = deferred();
        const deadHolder = store.withLock('lock', shortTtlMs, () => dead.promise);
        const successorHolds = deferred();
        let successorEntered = false;
        const successor = store.withLock(
          'lock',
          5_000,
          async () => {
            successorEntered = true;
            await successorHolds.promise;
          },
          3_000,
        );
        await vi.waitFor(() => expect(successorEntered).toBe(true), untilExpired);

        dead.resolve();
        await deadHolder;
        await expect(store.withLock('lock', 1_000, async () => undefined, 50)).rejects.toBeInstanceOf(
          LockTimeoutError,
        );

        successorHolds.resolve();
        await successor;
      });

      it('is not a key: deleting by prefix inside the lock neither counts nor frees it', async () => {
        await store.withLock('room:1:lock', 5_000, async () => {
          await store.set('room:1:state', 'v');
          expect(await store.get('room:1:lock')).toBeUndefined();
          expect(await store.deleteByPrefix('room:1:')).toBe(1);
          expect(await store.deleteByPrefix('')).toBe(0);
          await expect(store.withLock('room:1:lock', 1_000, async () => undefined, 50)).rejects.toBeInstanceOf(
            LockTimeoutError,
          );
        });
      });

      it('rejects a ttl that is not positive', async () => {
        await expect(store.withLock('lock', 0, async () => undefined)).rejects.toBeInstanceOf(RangeError);
      });
    });

    describe('close', () => {
      it('is idempotent', async () => {
        await store.close();
        await store.close();
        await Promise.all([store.close(), store.close()]);
      });

      it('makes every method reject with StoreClosedError', async () => {
        await store.set('k', 'v');
        await store.close();
        const calls: ((s: VolatileStore) => Promise<unknown>)[] = [
          (s) => s.get('k'),
          (s) => s.set('k', 'v'),
          (s) => s.getDelete('k'),
          (s) => s.delete('k'),
          (s) => s.expire('k', 1_000),
          (s) => s.increment('n'),
          (s) => s.hashSet('h', 'f', 'v'),
          (s) => s.hashGet('h', 'f'),
          (s) => s.hashGetAll('h'),
          (s) => s.hashDelete('h', 'f'),
          (s) => s.setAdd('s', 'm'),
          (s) => s.setRemove('s', 'm'),
          (s) => s.setHas('s', 'm'),
          (s) => s.setMembers('s'),
          (s) => s.listPush('l', 'v', 10),
          (s) => s.listAll('l'),
          (s) => s.deleteByPrefix(''),
        ];
        for (const call of calls) await expect(call(store)).rejects.toBeInstanceOf(StoreClosedError);
      });

      it('makes withLock reject without running the critical section', async () => {
        await store.close();
        const fn = vi.fn(async () => undefined);
        await expect(store.withLock('lock', 1_000, fn)).rejects.toBeInstanceOf(StoreClosedError);
        expect(fn).not.toHaveBeenCalled();
      });

      it('stops callers waiting for a lock', async () => {
        const held = deferred();
        const holder = store.withLock('lock', 1_000, () => held.promise);
        const fn = vi.fn(async () => undefined);
        const waiter = store.withLock('lock', 1_000, fn, 3_000);
        await store.close();
        await expect(waiter).rejects.toBeInstanceOf(StoreClosedError);
        expect(fn).not.toHaveBeenCalled();
        held.resolve();
        await holder;
      });
    });
  });
}

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

/** A promise the test settles when it wants a critical section to end. */
function deferred(): Deferred {
  let resolve = () => {};
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}
