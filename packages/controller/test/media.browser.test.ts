import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespacePids } from '../src/bridge/launchers/shared/networkNamespace.js';
import { startMediaCalls, type MediaCalls } from '../src/test-support/mediaCall.js';
import type { MediaParticipant } from '../src/test-support/mediaParticipant.js';
import { SignalingClient } from '../src/test-support/signalingClient.js';

const bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-media-bridges-'));
afterAll(() => rmSync(bridgeDir, { recursive: true, force: true }));

function plenumNamespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith('plenum-'));
}

/** Audio packets from `from` arriving at `page` within half a second. */
async function audioGrowth(page: MediaParticipant, from: string): Promise<number> {
  const first = await page.audioPacketsFrom(from);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return (await page.audioPacketsFrom(from)) - first;
}

/** Alice moderates from a second connection of hers (she owns the room) and mutes `target`. */
async function muteFromSecondTab(calls: MediaCalls, roomId: string, target: string): Promise<SignalingClient> {
  const moderator = await SignalingClient.connect(calls.t.baseUrl, await calls.ticket('alice', roomId));
  moderator.send('control', { action: 'join' });
  await moderator.next('control', 'join_success');
  moderator.send('media', { action: 'mute', targets: [target] });
  return moderator;
}

describe('media through the conference bridge, in Chromium', () => {
  let calls: MediaCalls;

  beforeAll(async () => {
    calls = await startMediaCalls({ appOptions: { env: { PLENUM_BRIDGE_LAUNCHER: 'sandbox', PLENUM_BRIDGE_DIR: bridgeDir, PLENUM_BRIDGE_GRACE: '1' } } });
  });
  afterAll(async () => {
    await calls.close();
  });

  for (const codec of ['vp8', 'vp9', 'av1'] as const) {
    it(`two participants see and hear each other with ${codec}`, async () => {
      const call = await calls.call({ name: `Media ${codec}`, videoCodec: codec });
      expect(call.video.aFromB.codec?.toLowerCase()).toContain(codec);
      expect(call.video.bFromA.codec?.toLowerCase()).toContain(codec);
      await call.close();
    });
  }

  it("a moderator's mute stops the participant's audio at the bridge; unmuting restores it", async () => {
    const { roomId, a, b, bId, close } = await calls.call();
    const moderator = await muteFromSecondTab(calls, roomId, bId);

    // Packets stop arriving: two readings half a second apart are equal.
    await a.poll('audio from bob to stop', () => audioGrowth(a, bId), (growth) => growth === 0, 10_000);
    await b.poll('bob to learn he was muted', async () => (await b.state()).media.forceMuted, (muted) => muted, 5000);

    await b.setMicrophone(true);
    await a.poll('audio from bob to come back', () => audioGrowth(a, bId), (growth) => growth > 5, 10_000);
    moderator.send('control', { action: 'leave' });
    await moderator.waitForClose();
    await close();
  });

  /** This room's bridge: other test files run bridges of their own at the same time. */
  const bridgeOf = async (roomId: string) => (await calls.t.app.signaling.bridges.get(roomId, 'vp8')).bridge;

  it('recovers media without a reload when the bridge process is killed mid-call', async () => {
    const { roomId, a, b, aId, bId, close } = await calls.call();
    const namespace = `plenum-${(await bridgeOf(roomId)).id}`;
    for (const pid of await namespacePids(namespace)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    const framesBefore = (await a.stats()).remote[bId]?.framesDecoded ?? 0;
    await a.poll('video from bob again', async () => (await a.stats()).remote[bId]?.framesDecoded ?? 0, (frames) => frames > 5 && frames !== framesBefore, 20_000);
    await b.waitForVideoFrom(aId, { minFrames: 5, timeoutMs: 20_000 });
    await close();
  });

  it('stops and wipes the bridge once everyone has left, after the grace period', async () => {
    const { roomId, close } = await calls.call({ minFrames: 1, minPackets: 1 });
    const { id } = await bridgeOf(roomId);
    await close();
    await expect.poll(() => plenumNamespaces().includes(`plenum-${id}`), { timeout: 15_000 }).toBe(false);
    await expect.poll(() => readdirSync(bridgeDir).includes(id), { timeout: 5000 }).toBe(false);
  });
});

describe('media with the bridge commanded through RabbitMQ', () => {
  let calls: MediaCalls;

  beforeAll(async () => {
    calls = await startMediaCalls({
      appOptions: {
        env: {
          PLENUM_BRIDGE_LAUNCHER: 'sandbox',
          PLENUM_BRIDGE_DIR: bridgeDir,
          PLENUM_BRIDGE_GRACE: '1',
          PLENUM_AMQP_URL: process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
        },
      },
    });
  });
  afterAll(async () => {
    await calls.close();
  });

  it('relays the call and enforces a mute with every Janus request going through the broker', async () => {
    const { roomId, a, bId, close } = await calls.call({ name: 'Via RabbitMQ' });
    const moderator = await muteFromSecondTab(calls, roomId, bId);
    await a.poll('audio from bob to stop', () => audioGrowth(a, bId), (n) => n === 0, 10_000);
    moderator.send('control', { action: 'leave' });
    await moderator.waitForClose();
    await close();
  });
});
