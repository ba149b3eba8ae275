import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { brokerLeftovers, removeBrokerLeftovers, testAmqpUrl } from '../test-support/launchers/probes.js';
import { AmqpJanusTransport } from './janus/amqpTransport.js';
import { JanusClient } from './janus/client.js';
import type { JanusTransport } from './janus/transport.js';
import { WebSocketJanusTransport } from './janus/websocketTransport.js';
import { BridgeLaunchError, type Bridge, type BridgeLauncher, type BridgeSpec } from './launcher.js';

/** Why a check of the contract cannot apply to a launcher; the suite shows it as a skipped test. */
export interface Unsupported {
  unsupported: string;
}

/** What of one bridge exists, by kind (the harness's `parts`): each entry names one thing. */
export type Leftovers = Readonly<Record<string, readonly string[]>>;

/** What the launcher contract needs to know about one launcher. */
export interface LauncherHarness {
  /** Once before the suite: engines, servers, addresses, directories. */
  setUp?(): Promise<void>;
  /** Once after the suite, also when it failed: removes what `setUp` and `deadOwner` made. */
  tearDown?(): Promise<void>;
  /**
   * A new launcher; with `brokerUrl` (only if `broker` is supported) it commands its bridges
   * through RabbitMQ. Where the launcher can forward media from a public address, it should.
   * The suite closes it.
   */
  launcher(options: { brokerUrl?: string }): Promise<BridgeLauncher>;
  /** Kills the bridge's Janus as a crash would (SIGKILL to Janus, to its container, in its Pod). */
  crash(bridge: Bridge): Promise<void>;
  /** The kinds of things a running bridge of this launcher consists of, as `leftovers` names them. */
  parts: readonly string[];
  /**
   * What of bridge `id` exists, under each of `parts`: processes, directory, network namespace
   * or engine network, forwarding rules, containers, Kubernetes objects. Its RabbitMQ account
   * and queues the suite looks for itself.
   */
  leftovers(id: string): Promise<Leftovers>;
  /** Commanding bridges through RabbitMQ, each with an account and queues of its own. */
  broker: true | Unsupported;
  /**
   * How to leave bridge `id` behind as a launcher that died would (its process SIGKILLed after
   * launching), for `sweep()` to remove.
   */
  deadOwner: { leave(id: string, options: { brokerUrl?: string }): Promise<void> } | Unsupported;
}

const untilReported = { timeout: 15_000, interval: 50 };
/** Long enough for an exit report that should not come (a container's wait, a Pod's watch event). */
const quietMs = 1_000;
const ids = /^[a-z0-9]{8,16}$/;

function isUnsupported(capability: object | true): capability is Unsupported {
  return capability !== true && 'unsupported' in capability;
}

/** The kinds that hold something. */
function present(leftovers: Leftovers): Record<string, readonly string[]> {
  return Object.fromEntries(Object.entries(leftovers).filter(([, found]) => found.length > 0));
}

/** Connects the real Janus client to the bridge's API. */
async function janusClient(bridge: Bridge, apiSecret: string): Promise<JanusClient> {
  const { api } = bridge;
  const transport: JanusTransport =
    api.kind === 'websocket'
      ? await WebSocketJanusTransport.connect(api.url)
      : await AmqpJanusTransport.connect(testAmqpUrl, { toJanus: api.toJanus, fromJanus: api.fromJanus, timeoutMs: 10_000 });
  return new JanusClient(transport, { apiSecret, requestTimeoutMs: 10_000 });
}

/** Creates and destroys a Janus session on the bridge with `apiSecret`; rejects as Janus does. */
async function makeSession(bridge: Bridge, apiSecret: string): Promise<void> {
  const client = await janusClient(bridge, apiSecret);
  try {
    const session = await client.createSession();
    await session.destroy();
  } finally {
    await client.close();
  }
}

/**
 * The behaviour every `BridgeLauncher` must have, as a vitest suite, on real bridges: Janus
 * answers, crashes are reported, and neither `close()` nor `sweep()` leaves anything behind.
 * What the suite cannot know about a launcher (how to crash a bridge, where its leftovers
 * are, which checks apply) comes from `harness`.
 */
export function launcherContract(name: string, harness: LauncherHarness): void {
  describe(`${name} (launcher contract)`, () => {
    const launchers: BridgeLauncher[] = [];
    /** Every bridge id this suite used with RabbitMQ: their accounts go at the end, whatever happened. */
    const brokered: string[] = [];
    const parts = harness.parts.join(', ');
    let launcher: BridgeLauncher;

    async function open(options: { brokered?: boolean } = {}): Promise<BridgeLauncher> {
      const made = await harness.launcher(options.brokered ? { brokerUrl: testAmqpUrl } : {});
      launchers.push(made);
      return made;
    }

    function spec(options: { brokered?: boolean } = {}): BridgeSpec {
      const id = randomBytes(5).toString('hex');
      if (options.brokered) brokered.push(id);
      return { id, apiSecret: randomBytes(12).toString('hex') };
    }

    /** What of bridge `id` exists, the broker's part included if it was launched with RabbitMQ. */
    async function everything(id: string): Promise<Record<string, readonly string[]>> {
      const own = await harness.leftovers(id);
      return present(brokered.includes(id) ? { ...own, ...(await brokerLeftovers(testAmqpUrl, id)) } : own);
    }

    /** The harness's parts that `leftovers` does not find for a running bridge: none, if it looks in the right places. */
    async function missingParts(id: string): Promise<string[]> {
      const found = present(await harness.leftovers(id));
      return harness.parts.filter((part) => !(part in found));
    }

    beforeAll(async () => {
      await harness.setUp?.();
      launcher = await open();
    }, 600_000);

    afterAll(async () => {
      try {
        await Promise.allSettled(launchers.map((made) => made.close()));
        await removeBrokerLeftovers(testAmqpUrl, brokered);
      } finally {
        await harness.tearDown?.();
      }
    }, 180_000);

    it('launches a bridge whose Janus answers on bridge.api with the spec’s API secret, and refuses another secret', async () => {
      const wanted = spec();
      const bridge = await launcher.launch(wanted);
      expect(bridge.id).toBe(wanted.id);
      expect(bridge.closed).toBe(false);
      expect(bridge.mediaAddress).toMatch(/^\d{1,3}(\.\d{1,3}){3}$/);
      expect(bridge.api.kind).toBe('websocket');
      await makeSession(bridge, wanted.apiSecret);
      await expect(makeSession(bridge, 'not-the-secret')).rejects.toMatchObject({ code: 403 });
      await bridge.close();
    }, 60_000);

    it(`close() is idempotent, reports no exit, and removes the bridge’s ${parts}`, async () => {
      const bridge = await launcher.launch(spec());
      const exits = vi.fn();
      bridge.onExit(exits);
      expect(await missingParts(bridge.id), 'parts not found while the bridge runs').toEqual([]);
      await Promise.all([bridge.close(), bridge.close()]);
      await bridge.close();
      expect(bridge.closed).toBe(true);
      expect(await everything(bridge.id)).toEqual({});
      await new Promise((resolve) => setTimeout(resolve, quietMs));
      expect(exits).not.toHaveBeenCalled();
    }, 60_000);

    it(`reports a crash once through onExit, with an exit code or a signal, and close() still removes the ${parts}`, async () => {
      const bridge = await launcher.launch(spec());
      const exits: [number | null, NodeJS.Signals | null][] = [];
      bridge.onExit((code, signal) => exits.push([code, signal]));
      await harness.crash(bridge);
      await vi.waitFor(() => expect(exits).toHaveLength(1), untilReported);
      const [[code, signal] = [null, null]] = exits;
      expect(code !== null || signal !== null, `exit code ${String(code)}, signal ${String(signal)}`).toBe(true);
      expect(bridge.closed).toBe(false);
      await bridge.close();
      await new Promise((resolve) => setTimeout(resolve, quietMs));
      expect(exits).toHaveLength(1);
      expect(await everything(bridge.id)).toEqual({});
    }, 60_000);

    it(`launcher.close() closes every bridge it started, removes their ${parts}, and refuses later launches with BridgeLaunchError closed`, async () => {
      const own = await open();
      const bridges = await Promise.all([own.launch(spec()), own.launch(spec())]);
      await own.close();
      expect(bridges.map((bridge) => bridge.closed)).toEqual([true, true]);
      for (const bridge of bridges) expect(await everything(bridge.id)).toEqual({});
      const late = spec();
      await expect(own.launch(late)).rejects.toMatchObject({ name: 'BridgeLaunchError', code: 'closed' });
      expect(await everything(late.id)).toEqual({});
    }, 90_000);

    it('refuses an id that is not [a-z0-9]{8,16} with BridgeLaunchError invalid_spec, and makes nothing for it', async () => {
      const bad = ['short', 'UPPERCASE1', 'a'.repeat(17), 'abcd-efgh', 'abcdefgh\n', '../../../../etc', ''];
      for (const id of bad) {
        expect(ids.test(id)).toBe(false);
        const refused = launcher.launch({ id, apiSecret: 's' });
        await expect(refused, JSON.stringify(id)).rejects.toBeInstanceOf(BridgeLaunchError);
        await expect(refused, JSON.stringify(id)).rejects.toMatchObject({ code: 'invalid_spec' });
      }
      // Ids that name no path outside a bridge's own place can be looked for.
      for (const id of ['short', 'UPPERCASE1', 'a'.repeat(17)]) expect(await everything(id)).toEqual({});
    }, 60_000);

    const { broker, deadOwner } = harness;

    if (isUnsupported(broker)) {
      it.skip(`through RabbitMQ — not checked: ${broker.unsupported}`, () => undefined);
    } else {
      it('through RabbitMQ: Janus answers on the bridge’s own queues; close() deletes its broker account and queues', async () => {
        const own = await open({ brokered: true });
        const wanted = spec({ brokered: true });
        const bridge = await own.launch(wanted);
        expect(bridge.api).toEqual({ kind: 'rabbitmq', toJanus: `plenum-bridge-${wanted.id}-to`, fromJanus: `plenum-bridge-${wanted.id}-from` });
        await makeSession(bridge, wanted.apiSecret);
        expect(present(await brokerLeftovers(testAmqpUrl, wanted.id)), 'its account and queues while it runs').toEqual({
          'broker account': [`plenum-bridge-${wanted.id}`],
          'broker queues': [`plenum-bridge-${wanted.id}-to`, `plenum-bridge-${wanted.id}-from`],
        });
        await bridge.close();
        expect(await everything(wanted.id)).toEqual({});
      }, 120_000);
    }

    if (isUnsupported(deadOwner)) {
      it.skip(`sweep() removes what a dead launcher left — not checked: ${deadOwner.unsupported}`, () => undefined);
    } else {
      const withBroker = !isUnsupported(broker);
      it(`sweep() removes what the bridge of a dead launcher left${withBroker ? ' (broker account and queues too)' : ''}, is idempotent, and keeps a live launcher’s bridge running`, async () => {
        const liveSpec = spec();
        const live = await launcher.launch(liveSpec);
        const dead = spec({ brokered: withBroker });
        await deadOwner.leave(dead.id, withBroker ? { brokerUrl: testAmqpUrl } : {});
        expect(Object.keys(await everything(dead.id)), 'what the dead launcher left').not.toEqual([]);

        const restarted = await open({ brokered: withBroker });
        await restarted.sweep();
        await restarted.sweep();
        expect(await everything(dead.id)).toEqual({});

        expect(live.closed).toBe(false);
        expect(await missingParts(live.id), 'parts of the live bridge that the sweep removed').toEqual([]);
        await makeSession(live, liveSpec.apiSecret);
        await live.close();
      }, 180_000);

      it('launch() waits for the first sweep: a new launcher’s first bridge runs once the dead launcher’s is gone', async () => {
        const dead = spec();
        await deadOwner.leave(dead.id, {});
        expect(Object.keys(await everything(dead.id)), 'what the dead launcher left').not.toEqual([]);
        const restarted = await open();
        const bridge = await restarted.launch(spec());
        expect(await everything(dead.id)).toEqual({});
        await bridge.close();
      }, 180_000);
    }
  });
}
