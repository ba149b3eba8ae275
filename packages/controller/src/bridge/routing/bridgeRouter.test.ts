import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MemoryBroker, MemoryBus } from '../../broker/memoryBroker.js';
import type { BridgeService, BridgeWatcher } from './bridgeService.js';
import { MemoryStore } from '../../state/memoryStore.js';
import type { VolatileStore } from '../../state/volatileStore.js';
import { BridgeOwnership } from './bridgeOwnership.js';
import { BridgeRegistry } from '../conference/bridgeRegistry.js';
import { BridgeRouter } from './bridgeRouter.js';
import { isBridgeRoutingKey } from './bridgeRpc.js';
import { namespacePids } from '../launchers/shared/networkNamespace.js';
import { SandboxLauncher } from '../launchers/sandbox/sandboxLauncher.js';

const baseDir = mkdtempSync(path.join(tmpdir(), 'plenum-router-'));
const launcher = new SandboxLauncher({ baseDir });
afterAll(async () => {
  await launcher.close();
  rmSync(baseDir, { recursive: true, force: true });
});

const log = pino({ level: 'silent' });
const leaseMs = 1500;

/** A store that can be cut off, as a controller that died would be. */
function severable(store: VolatileStore): { store: VolatileStore; cut: () => void } {
  let cut = false;
  const proxy = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (cut ? Promise.reject(new Error('cut off')) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  return { store: proxy, cut: () => (cut = true) };
}

interface TestController {
  id: string;
  router: BridgeRouter;
  registry: BridgeRegistry;
  broker: MemoryBroker;
  /** What its bridge service ran: participant → bridge. */
  served: { participant: string; bridgeId: string }[];
  die(): Promise<void>;
}

const running: TestController[] = [];
afterEach(async () => {
  for (const controller of running.splice(0)) await controller.router.close();
});

/** A controller with the router, a registry of real (sandboxed, WebSocket) bridges and an echoing service. */
function controller(bus: MemoryBus, shared: VolatileStore): TestController {
  const id = randomUUID();
  const { store, cut } = severable(shared);
  const broker = new MemoryBroker(bus);
  const registry = new BridgeRegistry({ launcher, graceMs: 60_000, keepaliveMs: 0, hasParticipants: async () => true, log });
  const served: TestController['served'] = [];
  const service: BridgeService = {
    handle: async (conference, participant) => {
      served.push({ participant, bridgeId: conference.bridge.id });
      return { echo: participant };
    },
    forget: () => undefined,
    prune: async () => undefined,
  };
  const router = new BridgeRouter({
    controllerId: id,
    registry,
    store,
    broker,
    leaseMs,
    services: new Map([['test', service]]),
    participantIds: async () => new Set(['p1', 'p2', 'p3']),
    requestTimeoutMs: 5000,
    log,
  });
  broker.onMessage((roomId, routingKey, message) => {
    if (isBridgeRoutingKey(routingKey)) router.receive(roomId, message);
  });
  router.start();
  const test: TestController = {
    id,
    router,
    registry,
    broker,
    served,
    async die() {
      cut();
      await broker.close();
    },
  };
  running.push(test);
  return test;
}

const call = (c: TestController, room: string, participant: string, start = true) =>
  c.router.request(room, { namespace: 'test', participant, codec: 'vp8', start, body: {} });

/** A participant's watcher that, like the media module's, forgets the bridge once told it is gone. */
function watcher(bridgeId: string | undefined): BridgeWatcher & { lostCount: number } {
  const state = { bridgeId, lostCount: 0 };
  return {
    get bridgeId() {
      return state.bridgeId;
    },
    get lostCount() {
      return state.lostCount;
    },
    lost() {
      state.lostCount += 1;
      state.bridgeId = undefined;
    },
  };
}

describe('BridgeRouter: one bridge per conference across controllers', () => {
  it('starts exactly one bridge for concurrent first requests on two controllers, and serves all through it', { timeout: 60_000 }, async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const [a, b] = [controller(bus, store), controller(bus, store)];
    const room = randomUUID();
    const answers = await Promise.all([call(a, room, 'p1'), call(b, room, 'p2'), call(a, room, 'p3'), call(b, room, 'p1')]);
    const bridgeIds = new Set(answers.map((answer) => answer.bridgeId));
    expect(bridgeIds.size).toBe(1);
    expect(answers.map((answer) => answer.result)).toEqual([{ echo: 'p1' }, { echo: 'p2' }, { echo: 'p3' }, { echo: 'p1' }]);
    const owner = a.registry.local(room) ? a : b;
    const other = owner === a ? b : a;
    expect(other.registry.size).toBe(0);
    expect(owner.served).toHaveLength(4);
    expect(await new BridgeOwnership(store, 'reader', leaseMs).owner(room)).toMatchObject({ controllerId: owner.id, bridgeId: [...bridgeIds][0] });

    // The meeting ends at the other controller: the owner stops it, once, and the claim goes.
    await other.router.stop(room);
    expect(owner.registry.size).toBe(0);
    expect(await new BridgeOwnership(store, 'reader', leaseMs).owner(room)).toBeUndefined();
  });

  it('never starts a bridge for a request that may not', async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const [a, b] = [controller(bus, store), controller(bus, store)];
    const room = randomUUID();
    await expect(call(a, room, 'p1', false)).rejects.toMatchObject({ code: 'no_bridge' });
    await expect(call(b, room, 'p1', false)).rejects.toMatchObject({ code: 'no_bridge' });
    expect(a.registry.size + b.registry.size).toBe(0);
  });

  it('tells the participants on every controller when the owner replaces a dead bridge', { timeout: 60_000 }, async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const [a, b] = [controller(bus, store), controller(bus, store)];
    const room = randomUUID();
    const first = await call(a, room, 'p1');
    const onA = watcher(first.bridgeId);
    const onB = watcher((await call(b, room, 'p2')).bridgeId);
    const notYet = watcher(undefined);
    a.router.watch(room, 'p1', onA);
    b.router.watch(room, 'p2', onB);
    b.router.watch(room, 'p3', notYet);

    for (const pid of await namespacePids(`plenum-${first.bridgeId}`)) process.kill(pid, 'SIGKILL');
    await expect.poll(() => [onA.lostCount, onB.lostCount], { timeout: 20_000 }).toEqual([1, 1]);
    // Nothing lived on the old bridge for a participant that had not published yet.
    expect(notYet.lostCount).toBe(0);
    const again = await call(b, room, 'p2');
    expect(again.bridgeId).not.toBe(first.bridgeId);
    expect(a.registry.local(room)?.bridge.id).toBe(again.bridgeId);
  });

  it('moves a conference to another controller once its dead owner\'s claim expires', { timeout: 60_000 }, async () => {
    const store = new MemoryStore();
    const bus = new MemoryBus();
    const [a, b] = [controller(bus, store), controller(bus, store)];
    const room = randomUUID();
    const first = await call(a, room, 'p1');
    const onB = watcher((await call(b, room, 'p2')).bridgeId);
    b.router.watch(room, 'p2', onB);

    await a.die();
    // Until the lease runs out the owner counts as alive; a request to it times out.
    await expect(call(b, room, 'p2')).rejects.toMatchObject({ code: 'timeout' });
    await expect.poll(() => onB.lostCount, { timeout: 10_000 }).toBe(1);
    const moved = await call(b, room, 'p2');
    expect(moved.bridgeId).not.toBe(first.bridgeId);
    expect(b.registry.local(room)?.bridge.id).toBe(moved.bridgeId);
    // The dead owner, cut off from the store for a lease, stopped its bridge by itself.
    await expect.poll(() => a.registry.size, { timeout: 10_000 }).toBe(0);
  });
});
