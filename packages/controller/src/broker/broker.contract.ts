import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { routingKeys, type Broker } from './broker.js';

/** A message as a handler received it. */
export interface Received {
  roomId: string;
  routingKey: string;
  message: unknown;
}

/** Registers a handler on `broker` that records every message, in order of arrival. */
export function recordMessages(broker: Broker): Received[] {
  const received: Received[] = [];
  broker.onMessage((roomId, routingKey, message) => received.push({ roomId, routingKey, message }));
  return received;
}

/** Waits until `received` holds a message equal to `message` and returns its index. */
export async function arrival(received: readonly Received[], message: unknown): Promise<number> {
  return vi.waitFor(() => {
    const index = received.findIndex((entry) => isEqual(entry.message, message));
    expect(index, `waiting for ${JSON.stringify(message)}`).toBeGreaterThanOrEqual(0);
    return index;
  });
}

/** The messages in `received` before `index` that equal `message`. */
function countBefore(received: readonly Received[], index: number, message: unknown): number {
  return received.slice(0, index).filter((entry) => isEqual(entry.message, message)).length;
}

function isEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The behaviour every `Broker` must have, run on two brokers that act as two controllers
 * sharing one bus. `openPair` opens two fresh ones for each test; the suite closes them.
 *
 * "Does not arrive" is checked without sleeping: the publisher sends a sentinel afterwards on a
 * key the receiver did bind; once the sentinel is there, the unwanted message would be too.
 */
export function brokerContract(name: string, openPair: () => Promise<[Broker, Broker]>): void {
  describe(`${name} (broker contract)`, () => {
    let a: Broker;
    let b: Broker;
    let room: string;

    beforeEach(async () => {
      [a, b] = await openPair();
      room = randomUUID();
    });

    afterEach(async () => {
      await Promise.all([a.close(), b.close()]);
    });

    it('delivers a room message once to every broker bound to the room, the publisher too', async () => {
      const atA = recordMessages(a);
      const atB = recordMessages(b);
      await Promise.all([a.bind(room, routingKeys.room), b.bind(room, routingKeys.room)]);

      await a.publish(room, routingKeys.room, { hello: 'everyone' });
      await a.publish(room, routingKeys.room, { sentinel: 1 });

      for (const received of [atA, atB]) {
        const sentinel = await arrival(received, { sentinel: 1 });
        expect(countBefore(received, sentinel, { hello: 'everyone' })).toBe(1);
        expect(received[0]).toEqual({ roomId: room, routingKey: 'room', message: { hello: 'everyone' } });
      }
    });

    it('delivers a participant message only to the broker bound to that participant', async () => {
      const atA = recordMessages(a);
      const atB = recordMessages(b);
      const alice = routingKeys.participant('alice');
      const bob = routingKeys.participant('bob');
      await Promise.all([
        a.bind(room, routingKeys.room),
        a.bind(room, alice),
        b.bind(room, routingKeys.room),
        b.bind(room, bob),
      ]);

      await a.publish(room, bob, { to: 'bob' });
      await a.publish(room, routingKeys.room, { sentinel: 1 });

      const atBSentinel = await arrival(atB, { sentinel: 1 });
      expect(countBefore(atB, atBSentinel, { to: 'bob' })).toBe(1);
      expect(atB.find((entry) => isEqual(entry.message, { to: 'bob' }))?.routingKey).toBe('participant.bob');
      const atASentinel = await arrival(atA, { sentinel: 1 });
      expect(countBefore(atA, atASentinel, { to: 'bob' })).toBe(0);
    });

    it('routes user keys like participant keys', async () => {
      const atB = recordMessages(b);
      await b.bind(room, routingKeys.user('u-1'));
      await a.publish(room, routingKeys.user('u-2'), { to: 'u-2' });
      await a.publish(room, routingKeys.user('u-1'), { to: 'u-1' });
      const index = await arrival(atB, { to: 'u-1' });
      expect(countBefore(atB, index, { to: 'u-2' })).toBe(0);
      expect(atB[index]?.routingKey).toBe('user.u-1');
    });

    it('keeps rooms apart', async () => {
      const otherRoom = randomUUID();
      const atA = recordMessages(a);
      const atB = recordMessages(b);
      await a.bind(room, routingKeys.room);
      await b.bind(otherRoom, routingKeys.room);

      await a.publish(room, routingKeys.room, { in: 'room A' });
      await a.publish(otherRoom, routingKeys.room, { sentinel: 1 });

      const sentinel = await arrival(atB, { sentinel: 1 });
      expect(countBefore(atB, sentinel, { in: 'room A' })).toBe(0);
      expect(atB[sentinel]?.roomId).toBe(otherRoom);
      const atAIndex = await arrival(atA, { in: 'room A' });
      expect(atA[atAIndex]?.roomId).toBe(room);
    });

    it('stops delivering after unbind, and unbind is idempotent', async () => {
      const atB = recordMessages(b);
      const bob = routingKeys.participant('bob');
      await b.bind(room, routingKeys.room);
      await b.bind(room, bob);
      await a.publish(room, bob, { n: 1 });
      await arrival(atB, { n: 1 });

      await b.unbind(room, bob);
      await b.unbind(room, bob);
      await b.unbind(room, routingKeys.participant('never-bound'));
      await b.unbind(randomUUID(), routingKeys.room);
      await a.publish(room, bob, { n: 2 });
      await a.publish(room, routingKeys.room, { sentinel: 1 });

      const sentinel = await arrival(atB, { sentinel: 1 });
      expect(countBefore(atB, sentinel, { n: 2 })).toBe(0);
    });

    it('can bind again after unbinding', async () => {
      const atB = recordMessages(b);
      await b.bind(room, routingKeys.room);
      await b.unbind(room, routingKeys.room);
      await b.bind(room, routingKeys.room);
      await a.publish(room, routingKeys.room, { n: 1 });
      await arrival(atB, { n: 1 });
    });

    it('preserves the order of 200 messages from one publisher', async () => {
      const atB = recordMessages(b);
      await b.bind(room, routingKeys.room);
      // Sent without waiting for each other, as a busy controller would.
      await Promise.all(Array.from({ length: 200 }, (_, seq) => a.publish(room, routingKeys.room, { seq })));
      await vi.waitFor(() => expect(atB).toHaveLength(200));
      expect(atB.map((entry) => entry.message)).toEqual(Array.from({ length: 200 }, (_, seq) => ({ seq })));
    });

    it('delivers once when a key is bound twice; one unbind then stops it', async () => {
      const atB = recordMessages(b);
      await b.bind(room, routingKeys.room);
      await b.bind(room, routingKeys.room);
      await Promise.all([b.bind(room, routingKeys.user('u-1')), b.bind(room, routingKeys.user('u-1'))]);

      await a.publish(room, routingKeys.room, { n: 1 });
      await a.publish(room, routingKeys.user('u-1'), { n: 2 });
      await a.publish(room, routingKeys.room, { sentinel: 1 });
      const sentinel = await arrival(atB, { sentinel: 1 });
      expect(countBefore(atB, sentinel, { n: 1 })).toBe(1);
      expect(countBefore(atB, sentinel, { n: 2 })).toBe(1);

      // Bindings are a set, not counted: the one unbind removes the key.
      await b.unbind(room, routingKeys.user('u-1'));
      await a.publish(room, routingKeys.user('u-1'), { n: 3 });
      await a.publish(room, routingKeys.room, { sentinel: 2 });
      const sentinel2 = await arrival(atB, { sentinel: 2 });
      expect(countBefore(atB, sentinel2, { n: 3 })).toBe(0);
    });

    it('hands every receiver its own copy', async () => {
      const atB = recordMessages(b);
      a.onMessage((_roomId, _routingKey, message) => {
        // A careless handler mutating what it got.
        const nested = (message as { nested?: { value: string } }).nested;
        if (nested) nested.value = 'changed by A';
      });
      await Promise.all([a.bind(room, routingKeys.room), b.bind(room, routingKeys.room)]);

      const original = { nested: { value: 'original' }, list: [1, 2] };
      const published = a.publish(room, routingKeys.room, original);
      // Changed after the call: the receivers still get what was published.
      original.list.push(3);
      await published;
      await a.publish(room, routingKeys.room, { sentinel: 1 });

      await arrival(atB, { sentinel: 1 });
      expect(atB[0]?.message).toEqual({ nested: { value: 'original' }, list: [1, 2] });
      expect(atB[0]?.message).not.toBe(original);
      expect(original.nested.value).toBe('original');
    });

    it('accepts a publish to a room nobody bound', async () => {
      await expect(a.publish(room, routingKeys.room, { nobody: 'listens' })).resolves.toBeUndefined();
      // Bound and unbound once, so that RabbitMQ deletes the auto-delete exchange again.
      await b.bind(room, routingKeys.room);
      await b.unbind(room, routingKeys.room);
    });

    it('refuses invalid room IDs and routing keys', async () => {
      const badRooms = ['', 'a.b', 'a*', 'a#', 'a b', 'a/b', 'é', 'x'.repeat(129), 'a\nb'];
      const badKeys = ['', '*', '#', 'participant.*', 'user.#', 'a..b', '.a', 'a.', 'a b', 'a\n', 'x'.repeat(256)];
      for (const roomId of badRooms) {
        await expect(a.publish(roomId, routingKeys.room, {}), roomId).rejects.toThrow(/room ID/);
        await expect(a.bind(roomId, routingKeys.room), roomId).rejects.toThrow(/room ID/);
        await expect(a.unbind(roomId, routingKeys.room), roomId).rejects.toThrow(/room ID/);
      }
      for (const key of badKeys) {
        await expect(a.publish(room, key, {}), key).rejects.toThrow(/routing key/);
        await expect(a.bind(room, key), key).rejects.toThrow(/routing key/);
        await expect(a.unbind(room, key), key).rejects.toThrow(/routing key/);
      }
      // The longest valid ones pass.
      const atB = recordMessages(b);
      await b.bind('x'.repeat(128), 'y'.repeat(255));
      await a.publish('x'.repeat(128), 'y'.repeat(255), { longest: true });
      await arrival(atB, { longest: true });
    });

    it('refuses messages that have no JSON form', async () => {
      await expect(a.publish(room, routingKeys.room, undefined)).rejects.toThrow(TypeError);
      await expect(a.publish(room, routingKeys.room, { n: 1n })).rejects.toThrow(TypeError);
      const cyclic: { self?: unknown } = {};
      cyclic.self = cyclic;
      await expect(a.publish(room, routingKeys.room, cyclic)).rejects.toThrow(TypeError);
    });

    it('closes idempotently, and rejects calls afterwards', async () => {
      await a.bind(room, routingKeys.room);
      await Promise.all([a.close(), a.close()]);
      await a.close();
      await expect(a.publish(room, routingKeys.room, {})).rejects.toThrow(/closed/);
      await expect(a.bind(room, routingKeys.room)).rejects.toThrow(/closed/);
      await expect(a.unbind(room, routingKeys.room)).rejects.toThrow(/closed/);
    });

    it('no longer delivers to a closed broker, and others carry on', async () => {
      const atA = recordMessages(a);
      const atB = recordMessages(b);
      await Promise.all([a.bind(room, routingKeys.room), b.bind(room, routingKeys.room)]);
      await a.close();
      await b.publish(room, routingKeys.room, { after: 'close' });
      await arrival(atB, { after: 'close' });
      expect(atA).toEqual([]);
    });
  });
}
