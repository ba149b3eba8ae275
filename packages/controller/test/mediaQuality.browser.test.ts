import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMediaCalls, type MediaCalls } from '../src/test-support/mediaCall.js';
import type { OutboundMediaStats } from '../src/test-support/mediaParticipant.js';
import { SignalingClient, type Event } from '../src/test-support/signalingClient.js';

/**
 * The quality plumbing of the media namespace with real Chromium and the conference's real
 * Janus: choosing a simulcast layer, and active-speaker events from the bridge's audio levels.
 */

const bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-quality-bridges-'));

/** The rid each substream is published under by the web client: 0 low, 1 medium, 2 high. */
const ridOfSubstream = ['l', 'm', 'h'] as const;

/** The width each simulcast layer is encoded at right now, by rid (the sender may adapt it). */
function layerWidths(outbound: OutboundMediaStats | null): Record<string, number> {
  const widths: Record<string, number> = {};
  for (const layer of outbound?.layers ?? []) if (layer.rid !== null && layer.framesEncoded > 0) widths[layer.rid] = layer.frameWidth;
  return widths;
}

describe('media quality through the conference bridge, in Chromium', () => {
  let calls: MediaCalls;

  beforeAll(async () => {
    calls = await startMediaCalls({ appOptions: { env: { PLENUM_BRIDGE_LAUNCHER: 'sandbox', PLENUM_BRIDGE_DIR: bridgeDir, PLENUM_BRIDGE_GRACE: '1' } } });
  });
  afterAll(async () => {
    await calls.close();
    rmSync(bridgeDir, { recursive: true, force: true });
  });

  const newRoom = (name: string) => calls.room(name, { videoCodec: 'vp8' });

  it('a subscriber switches between the three simulcast layers of a camera, and the decoded width follows', async () => {
    const roomId = await newRoom('Simulcast');
    // The web client simulcasts from 640 px on; Chromium sends all three layers from about 960×540 on (smaller cameras get fewer).
    const publisher = await calls.join('alice', roomId, { simulcast: true, video: { width: 960, height: 540, frameRate: 15 } });
    // Without a camera of its own: it cannot shrink the shared fake camera of the browser.
    const subscriber = await calls.join('bob', roomId, { receiveOnly: true });
    const publisherId = await publisher.id();
    await subscriber.waitForVideoFrom(publisherId, { minFrames: 5 });
    // 240, 480 and 960 wide, unless Chromium scales the camera down on a busy machine: what
    // matters is three distinct sizes, and each step below compares with the size sent then.
    await publisher.poll(
      'three simulcast layers of distinct sizes',
      async () => layerWidths((await publisher.stats()).outbound),
      (w) => w.l !== undefined && w.m !== undefined && w.h !== undefined && w.l < w.m && w.m < w.h,
    );

    for (const substream of [0, 2, 1, 0] as const) {
      await subscriber.setLayer(publisherId, substream);
      const rid = ridOfSubstream[substream];
      const decoded = await subscriber.poll(
        `frames of layer ${substream} (${rid}) decoded`,
        async () => ({ remote: (await subscriber.stats()).remote[publisherId], sent: layerWidths((await publisher.stats()).outbound) }),
        ({ remote, sent }) => remote !== undefined && remote.frameWidth === sent[rid],
        10_000,
      );
      // Frames keep coming at that size: the bridge forwards that layer, not one stray frame.
      const framesThen = decoded.remote!.framesDecoded;
      await subscriber.poll(
        `more frames of layer ${substream}`,
        async () => (await subscriber.stats()).remote[publisherId],
        (remote) => remote !== undefined && remote.framesDecoded >= framesThen + 5 && remote.frameWidth === decoded.sent[rid],
        5000,
      );
    }
    expect((await subscriber.state()).errors).toEqual([]);
  });

  it('the room learns who speaks from the bridge; a muted participant never becomes the active speaker', async () => {
    const roomId = await newRoom('Active speaker');
    // Carol watches without media, so that every speaker event she gets was sent to the room.
    const watcher = await SignalingClient.connect(calls.t.baseUrl, await calls.ticket('carol', roomId));
    watcher.send('control', { action: 'join' });
    await watcher.next('control', 'join_success');
    const speakerEvents = (from = 0) =>
      watcher.events
        .slice(from)
        .filter((e: Event) => e.namespace === 'media' && e.payload.message === 'speaker')
        .map((e) => ({ participant: String(e.payload.participant), speaking: Boolean(e.payload.speaking) }));
    const waitForSpeaker = (participant: string, speaking: boolean, after = 0) =>
      watcher.waitFor((e) => e.namespace === 'media' && e.payload.message === 'speaker' && e.payload.participant === participant && e.payload.speaking === speaking, {
        after,
        timeoutMs: 15_000,
      });

    // Both send the same steady tone; Bob joins with his microphone off.
    const talker = await calls.join('alice', roomId, { audioSource: 'tone', video: { width: 160, height: 120, frameRate: 5 } });
    const muted = await calls.join('bob', roomId, { audioSource: 'tone', microphone: false, video: { width: 160, height: 120, frameRate: 5 } });
    const [talkerId, mutedId] = [await talker.id(), await muted.id()];
    // Bob's silent audio does reach the others: he is muted, not missing.
    await talker.waitForAudioFrom(mutedId, { minPackets: 100 });

    await waitForSpeaker(talkerId, true);
    // The bridge decides per second of audio (50 packets); give Bob's silence a few of them.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(speakerEvents().filter((e) => e.participant === mutedId)).toEqual([]);

    const beforeUnmute = watcher.events.length;
    await muted.setMicrophone(true);
    await waitForSpeaker(mutedId, true, beforeUnmute);

    const beforeMute = watcher.events.length;
    await talker.setMicrophone(false);
    await waitForSpeaker(talkerId, false, beforeMute);

    // Every verdict names one of the two publishers, and each one's verdicts alternate.
    const all = speakerEvents();
    for (const id of [talkerId, mutedId]) {
      const verdicts = all.filter((e) => e.participant === id).map((e) => e.speaking);
      expect(verdicts.every((speaking, i) => speaking === (i % 2 === 0)), `${id}: ${JSON.stringify(verdicts)}`).toBe(true);
    }
    expect(all.every((e) => e.participant === talkerId || e.participant === mutedId)).toBe(true);
    // The participants' pages get them too (those sent after both had joined).
    const has = (event: { participant: string; speaking: boolean }) => (events: { participant: string; speaking: boolean }[]) =>
      events.some((e) => e.participant === event.participant && e.speaking === event.speaking);
    await muted.poll("Bob's page to learn that he speaks", () => muted.speakerEvents(), has({ participant: mutedId, speaking: true }), 5000);
    await talker.poll("Alice's page to learn that she stopped", () => talker.speakerEvents(), has({ participant: talkerId, speaking: false }), 5000);

    watcher.send('control', { action: 'leave' });
    await watcher.waitForClose();
  });
});
