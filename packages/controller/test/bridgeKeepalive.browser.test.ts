import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeRegistry } from '../src/bridge/conference/bridgeRegistry.js';
import type { ConferenceBridge } from '../src/bridge/conference/conferenceBridge.js';
import { namespaceExists, namespacePids } from '../src/bridge/launchers/shared/networkNamespace.js';
import { SandboxLauncher } from '../src/bridge/launchers/sandbox/sandboxLauncher.js';
import { startMediaCalls, type MediaCalls } from '../src/test-support/mediaCall.js';

const amqpUrl = process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-keepalive-'));
afterAll(() => rmSync(bridgeDir, { recursive: true, force: true }));

/** The Janus process of a bridge (its namespace also holds bubblewrap). */
async function janusPid(bridgeId: string): Promise<number> {
  for (const pid of await namespacePids(`plenum-${bridgeId}`)) {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'janus') return pid;
  }
  throw new Error(`no janus runs in bridge ${bridgeId}`);
}

/** Stops Janus without killing it: alive to exit detection, deaf to every request. */
async function hang(bridgeId: string): Promise<number> {
  const pid = await janusPid(bridgeId);
  process.kill(pid, 'SIGSTOP');
  await expect.poll(() => readFileSync(`/proc/${pid}/status`, 'utf8'), { timeout: 2000 }).toMatch(/^State:\s+T/m);
  return pid;
}

describe('bridge keepalive through the broker', () => {
  it('replaces a bridge whose Janus hangs (SIGSTOP) and tears the hung one down', { timeout: 60_000 }, async () => {
    const launcher = new SandboxLauncher({ baseDir: bridgeDir, brokerUrl: amqpUrl });
    const registry = new BridgeRegistry({
      launcher,
      brokerUrl: amqpUrl,
      keepaliveMs: 500,
      graceMs: 60_000,
      hasParticipants: async () => true,
      log: pino({ level: 'silent' }),
    });
    const replaced: { dead: string; fresh: ConferenceBridge | undefined }[] = [];
    registry.observe({
      replaced: async (_roomId, dead, fresh) => void replaced.push({ dead, fresh }),
      stopped: async () => undefined,
    });
    try {
      const first = await registry.get('keepalive-room', 'vp8');
      // Healthy: probes answer, nothing happens.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(replaced).toEqual([]);
      await first.probe(2000);

      const hungPid = await hang(first.bridge.id);
      await expect.poll(() => replaced.length, { timeout: 15_000 }).toBe(1);
      const fresh = replaced[0]?.fresh;
      expect(replaced[0]?.dead).toBe(first.bridge.id);
      expect(fresh?.bridge.id).toBeDefined();
      expect(fresh?.bridge.id).not.toBe(first.bridge.id);
      expect(registry.local('keepalive-room')).toBe(fresh);
      await fresh?.probe(2000);
      // The hung process is killed and its namespace removed, though it never answered.
      await expect.poll(() => namespaceExists(`plenum-${first.bridge.id}`), { timeout: 15_000 }).toBe(false);
      expect(() => process.kill(hungPid, 0)).toThrow();
    } finally {
      await registry.close();
      await launcher.close();
    }
  });
});

describe('a hung bridge mid-call, in Chromium', () => {
  let calls: MediaCalls;

  beforeAll(async () => {
    calls = await startMediaCalls({
      appOptions: { env: { PLENUM_BRIDGE_LAUNCHER: 'sandbox', PLENUM_BRIDGE_DIR: bridgeDir, PLENUM_BRIDGE_GRACE: '1', PLENUM_BRIDGE_KEEPALIVE: '2', PLENUM_AMQP_URL: amqpUrl } },
    });
  });
  afterAll(async () => {
    await calls.close();
  });

  it('tells both clients to reconnect and media flows again, without a reload', { timeout: 90_000 }, async () => {
    const { t } = calls;
    const { roomId, a, b, aId, bId, close } = await calls.call({ name: 'Hung bridge', timeoutMs: 30_000 });

    const hungBridge = t.app.signaling.bridges.local(roomId);
    if (!hungBridge) throw new Error('the conference has no bridge on this controller');
    const [aResets, bResets] = [(await a.state()).resets, (await b.state()).resets];
    await hang(hungBridge.bridge.id);
    await a.poll('a bridge_reset at alice', async () => (await a.state()).resets, (n) => n > aResets, 30_000);
    await b.poll('a bridge_reset at bob', async () => (await b.state()).resets, (n) => n > bResets, 30_000);
    const replacement = t.app.signaling.bridges.local(roomId);
    expect(replacement?.bridge.id).not.toBe(hungBridge.bridge.id);

    // Decoding again on the new bridge: frame counters of the new subscriptions grow.
    const frames = async (page: typeof a, from: string) => (await page.stats()).remote[from]?.framesDecoded ?? 0;
    await a.poll('video from bob again', () => frames(a, bId), (n) => n >= 5, 30_000);
    await b.poll('video from alice again', () => frames(b, aId), (n) => n >= 5, 30_000);
    await a.waitForAudioFrom(bId, { minPackets: 20, timeoutMs: 20_000 });
    await expect.poll(() => namespaceExists(`plenum-${hungBridge.bridge.id}`), { timeout: 15_000 }).toBe(false);
    await close();
  });
});
