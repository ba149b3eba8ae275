import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { keys } from '../../state/keys.js';
import { MemoryStore } from '../../state/memoryStore.js';
import { RedisStore } from '../../state/redisStore.js';
import type { VolatileStore } from '../../state/volatileStore.js';
import { BridgeOwnership } from './bridgeOwnership.js';

const redisUrl = process.env.PLENUM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const runPrefix = `plenum-test:${randomBytes(6).toString('hex')}:`;
const redisStores: RedisStore[] = [];

afterAll(async () => {
  await Promise.all(redisStores.map((store) => store.close()));
  const cleaner = await RedisStore.connect(redisUrl, { keyPrefix: runPrefix });
  await cleaner.deleteByPrefix('');
  await cleaner.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ownershipSuite(name: string, open: () => Promise<VolatileStore>): void {
  describe(`BridgeOwnership on ${name}`, () => {
    it('gives a conference to exactly one of many controllers claiming it at once', async () => {
      const store = await open();
      const room = randomUUID();
      const controllers = Array.from({ length: 8 }, () => new BridgeOwnership(store, randomUUID(), 5000));
      const claims = await Promise.all(controllers.map((ownership) => ownership.claim(room)));
      expect(new Set(claims.map((claim) => claim.controllerId)).size).toBe(1);
      expect(await controllers[0]?.owner(room)).toEqual(claims[0]);
    });

    it('lets only the holder record its bridge, renew and release', async () => {
      const store = await open();
      const room = randomUUID();
      const holder = new BridgeOwnership(store, 'controller-a', 5000);
      const other = new BridgeOwnership(store, 'controller-b', 5000);
      expect((await holder.claim(room)).controllerId).toBe('controller-a');
      expect(await other.setBridge(room, 'abcdef012345')).toBe(false);
      expect(await holder.setBridge(room, 'abcdef012345')).toBe(true);
      expect(await other.renew(room)).toBe(false);
      expect(await holder.renew(room)).toBe(true);
      await other.release(room);
      expect((await other.owner(room))?.bridgeId).toBe('abcdef012345');
      // A release naming an older bridge leaves the claim of the current one alone.
      await holder.release(room, 'ffffffff0000');
      expect(await holder.owner(room)).toBeDefined();
      await holder.release(room, 'abcdef012345');
      expect(await holder.owner(room)).toBeUndefined();
      expect(await store.get(keys.bridgeOwner(room))).toBeUndefined();
    });

    it('moves a conference on once its owner stops renewing', async () => {
      const store = await open();
      const room = randomUUID();
      const dead = new BridgeOwnership(store, 'dead-controller', 300);
      const survivor = new BridgeOwnership(store, 'survivor', 300);
      await dead.claim(room);
      await dead.setBridge(room, 'abcdef012345');
      expect((await survivor.claim(room)).controllerId).toBe('dead-controller');
      await sleep(450);
      const claim = await survivor.claim(room);
      expect(claim).toMatchObject({ controllerId: 'survivor', bridgeId: null });
      // The old owner, back from a stall, may not take it back.
      expect(await dead.renew(room)).toBe(false);
      expect(await dead.setBridge(room, 'aaaaaaaa1111')).toBe(false);
    });

    it('treats an unreadable claim as none', async () => {
      const store = await open();
      const room = randomUUID();
      await store.set(keys.bridgeOwner(room), '{"controllerId": 5}');
      const ownership = new BridgeOwnership(store, 'me', 5000);
      expect(await ownership.owner(room)).toBeUndefined();
      expect((await ownership.claim(room)).controllerId).toBe('me');
    });
  });
}

ownershipSuite('MemoryStore', async () => new MemoryStore());
ownershipSuite('RedisStore', async () => {
  const store = await RedisStore.connect(redisUrl, { keyPrefix: runPrefix });
  redisStores.push(store);
  return store;
});
