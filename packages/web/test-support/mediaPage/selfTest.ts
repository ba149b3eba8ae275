// Instrumentation: a call between two of the web client's `Peer`s inside the page, over
// loopback candidates only (Chromium needs --allow-loopback-in-peer-connection for those).
// Proves camera, microphone, codecs and the client's trickle queues without a controller or
// bridge; and shows what the web client's MediaEngine offers when it simulcasts.

import type { IceCandidate, MediaCommand } from '@plenum/protocol';
import { MediaEngine } from '../../src/features/media/mediaEngine.js';
import { Peer } from '../../src/features/media/peer.js';
import type { SelfTestOptions, SelfTestResult } from './api.js';
import { openCamera } from './devices.js';
import { inboundStats, outboundStats, selectedLocalAddress } from './stats.js';
import { candidateAddress } from './wire.js';

const defaultVideo = { width: 320, height: 240, frameRate: 15 };

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The `a=simulcast:` line of the publish offer the web client's MediaEngine makes for a camera
 * 1280 px wide (it simulcasts from 640 px on).
 */
async function simulcastLine(): Promise<string | null> {
  const stream = await openCamera({ width: 1280, height: 720, frameRate: 15 }, false);
  const sent: MediaCommand[] = [];
  const engine = new MediaEngine(
    (command) => sent.push(command),
    () => undefined,
  );
  try {
    engine.setCamera(stream);
    engine.publishCamera(false, true);
    for (let waited = 0; waited < 5000 && !sent.some((c) => c.action === 'publish'); waited += 20) await sleep(20);
    const publish = sent.find((c) => c.action === 'publish');
    return publish ? (/^a=simulcast:(.*)$/m.exec(publish.sdp)?.[1]?.trim() ?? null) : null;
  } finally {
    engine.close();
  }
}

export async function selfTest(options: SelfTestOptions = {}): Promise<SelfTestResult> {
  const { minFrames = 10, timeoutMs = 10_000, loopbackOnly = true } = options;
  // First, while the fake camera is free: it delivers one size to all who have it open.
  const simulcast = await simulcastLine();
  const stream = await openCamera({ ...defaultVideo, ...options.video });
  const settings = stream.getVideoTracks()[0]?.getSettings() ?? {};
  const candidates = { forwarded: 0, skipped: 0 };
  // Candidates go straight to the other side instead of to the controller.
  const handOver = (to: () => Peer) => (candidate: IceCandidate) => {
    if (candidate !== null && loopbackOnly && !isLoopback(candidateAddress(candidate.candidate))) {
      candidates.skipped += 1;
      return;
    }
    if (candidate !== null) candidates.forwarded += 1;
    to().addRemoteCandidate(candidate);
  };
  const sender: Peer = new Peer(handOver(() => receiver), { iceServers: [] }, () => undefined);
  const receiver: Peer = new Peer(handOver(() => sender), { iceServers: [] }, () => undefined);
  for (const track of stream.getTracks()) sender.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });

  try {
    const offer = await sender.pc.createOffer();
    await sender.pc.setLocalDescription(offer);
    sender.localDescriptionSent();
    await receiver.pc.setRemoteDescription(offer);
    receiver.remoteDescriptionSet();
    const answer = await receiver.pc.createAnswer();
    await receiver.pc.setLocalDescription(answer);
    receiver.localDescriptionSent();
    await sender.pc.setRemoteDescription(answer);
    sender.remoteDescriptionSet();

    const deadline = performance.now() + timeoutMs;
    let inbound = await inboundStats(receiver.pc);
    while (inbound.framesDecoded < minFrames || inbound.audioPacketsReceived === 0) {
      if (performance.now() > deadline) {
        throw new Error(
          `loopback call decoded ${inbound.framesDecoded} frames, ${inbound.audioPacketsReceived} audio packets in ${timeoutMs} ms ` +
            `(connection ${receiver.pc.connectionState}; loopback candidates ${candidates.forwarded}, others skipped ${candidates.skipped})`,
        );
      }
      await sleep(100);
      inbound = await inboundStats(receiver.pc);
    }
    return {
      settings: { width: settings.width ?? 0, height: settings.height ?? 0, frameRate: settings.frameRate ?? 0 },
      inbound,
      outbound: await outboundStats(sender.pc),
      candidates,
      localAddresses: { sender: await selectedLocalAddress(sender.pc), receiver: await selectedLocalAddress(receiver.pc) },
      simulcastLine: simulcast,
    };
  } finally {
    sender.close();
    receiver.close();
    for (const track of stream.getTracks()) track.stop();
  }
}
