// A stand-in for the Janus bridge in the media page's own test (mediaPage.browser.test.ts): peer
// connections in a page of their own that answer publications and offer subscriptions carrying
// the published tracks. Its candidates go out through `bridgeEmit` (exposed by the test), like
// Janus's trickle: right after the offer is made, possibly before the participant has it.
// Only loopback candidates are used in either direction.

import type { BridgeCandidate, FakeBridgeApi } from './api.js';
import { candidateAddress } from './wire.js';

declare global {
  interface Window {
    fakeBridge: FakeBridgeApi;
    bridgeEmit(candidate: BridgeCandidate): Promise<void>;
  }
}

interface BridgePeer {
  pc: RTCPeerConnection;
  pending: BridgeCandidate['candidate'][];
  remoteSet: boolean;
  tracks: MediaStreamTrack[];
}

/** `participant` for a publication, `participant>target` for a subscription. */
const peers = new Map<string, BridgePeer>();
const key = (participant: string, target?: string | null) => (target ? `${participant}>${target}` : participant);
const isLoopback = (address: string) => address.startsWith('127.') || address === '::1';

/** Chromium does not send a received audio track on: subscriptions get the bridge's own microphone. */
let microphone: Promise<MediaStream> | null = null;
async function ownAudio(): Promise<MediaStreamTrack> {
  microphone ??= navigator.mediaDevices.getUserMedia({ audio: true });
  const [track] = (await microphone).getAudioTracks();
  if (!track) throw new Error('the fake bridge has no microphone');
  return track;
}

function open(participant: string, target?: string): BridgePeer {
  peers.get(key(participant, target))?.pc.close();
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  const peer: BridgePeer = { pc, pending: [], remoteSet: false, tracks: [] };
  peers.set(key(participant, target), peer);
  pc.addEventListener('icecandidate', (event) => {
    const local = event.candidate;
    if (local !== null && !isLoopback(candidateAddress(local.candidate))) return;
    const candidate = local === null ? null : { candidate: local.candidate, sdpMid: local.sdpMid, sdpMLineIndex: local.sdpMLineIndex };
    void window.bridgeEmit({ participant, target: target ?? null, candidate });
  });
  pc.addEventListener('track', (event) => peer.tracks.push(event.track));
  return peer;
}

function add(peer: BridgePeer, candidate: BridgeCandidate['candidate']): void {
  if (candidate !== null && !isLoopback(candidateAddress(candidate.candidate))) return;
  peer.pc.addIceCandidate(candidate ?? undefined).catch(() => undefined);
}

function remoteSet(peer: BridgePeer): void {
  peer.remoteSet = true;
  for (const candidate of peer.pending.splice(0)) add(peer, candidate);
}

function localSdp(pc: RTCPeerConnection): string {
  const sdp = pc.localDescription?.sdp;
  if (sdp === undefined) throw new Error('no local description');
  return sdp;
}

window.fakeBridge = {
  async publish(participant, sdp) {
    const peer = open(participant);
    await peer.pc.setRemoteDescription({ type: 'offer', sdp });
    remoteSet(peer);
    await peer.pc.setLocalDescription(await peer.pc.createAnswer());
    return localSdp(peer.pc);
  },
  async subscribe(participant, target) {
    const source = peers.get(key(target));
    if (!source) throw new Error(`${target} does not publish`);
    const peer = open(participant, target);
    for (const track of source.tracks) {
      peer.pc.addTransceiver(track.kind === 'audio' ? await ownAudio() : track, { direction: 'sendonly' });
    }
    await peer.pc.setLocalDescription(await peer.pc.createOffer());
    return localSdp(peer.pc);
  },
  async answer(participant, target, sdp) {
    const peer = peers.get(key(participant, target));
    if (!peer) throw new Error(`no subscription ${participant} to ${target}`);
    await peer.pc.setRemoteDescription({ type: 'answer', sdp });
    remoteSet(peer);
  },
  candidate(participant, target, candidate) {
    const peer = peers.get(key(participant, target));
    if (!peer) return false;
    if (peer.remoteSet) add(peer, candidate);
    else peer.pending.push(candidate);
    return true;
  },
  drop(participant) {
    for (const [name, peer] of peers) {
      if (name === participant || name.startsWith(`${participant}>`) || name.endsWith(`>${participant}`)) {
        peer.pc.close();
        peers.delete(name);
      }
    }
  },
  reset() {
    for (const peer of peers.values()) peer.pc.close();
    peers.clear();
  },
};
