// A stand-in for the Janus bridge in the media page's own test (mediaPage.test.ts): peer
// connections in a browser page that answer publications and offer subscriptions carrying the
// published tracks. Not served to participants; the test evaluates it in a page of its own.
// Its candidates go out through `bridgeEmit` (exposed by the test), like Janus's trickle: right
// after the offer is made, possibly before the participant has it. Only loopback candidates
// are used in either direction.

/* global RTCPeerConnection */

(() => {
  /** `participant` for a publication, `participant>target` for a subscription. */
  const peers = new Map();
  const key = (participant, target) => (target ? `${participant}>${target}` : participant);
  const isLoopback = (address) => {
    const plain = (address ?? '').replace(/^\[(.*)\]$/, '$1');
    return plain.startsWith('127.') || plain === '::1';
  };
  /** Chromium does not send a received audio track on: subscriptions get the bridge's own microphone. */
  let microphone = null;
  const ownAudio = async () => {
    microphone ??= navigator.mediaDevices.getUserMedia({ audio: true });
    return (await microphone).getAudioTracks()[0];
  };

  function open(participant, target) {
    peers.get(key(participant, target))?.pc.close();
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    const peer = { pc, pending: [], remoteSet: false, tracks: [] };
    peers.set(key(participant, target), peer);
    pc.addEventListener('icecandidate', (event) => {
      if (event.candidate !== null && !isLoopback(event.candidate.address)) return;
      const candidate =
        event.candidate === null
          ? null
          : { candidate: event.candidate.candidate, sdpMid: event.candidate.sdpMid, sdpMLineIndex: event.candidate.sdpMLineIndex };
      void globalThis.bridgeEmit({ participant, target: target ?? null, candidate });
    });
    pc.addEventListener('track', (event) => peer.tracks.push(event.track));
    return peer;
  }

  function add(peer, candidate) {
    if (candidate !== null && !isLoopback(candidate.candidate.split(' ')[4])) return;
    peer.pc.addIceCandidate(candidate ?? undefined).catch(() => undefined);
  }

  function remoteSet(peer) {
    peer.remoteSet = true;
    for (const candidate of peer.pending.splice(0)) add(peer, candidate);
  }

  globalThis.fakeBridge = {
    async publish(participant, sdp) {
      const peer = open(participant);
      await peer.pc.setRemoteDescription({ type: 'offer', sdp });
      remoteSet(peer);
      await peer.pc.setLocalDescription(await peer.pc.createAnswer());
      return peer.pc.localDescription.sdp;
    },
    async subscribe(participant, target) {
      const source = peers.get(key(target));
      if (!source) throw new Error(`${target} does not publish`);
      const peer = open(participant, target);
      for (const track of source.tracks) {
        peer.pc.addTransceiver(track.kind === 'audio' ? await ownAudio() : track, { direction: 'sendonly' });
      }
      await peer.pc.setLocalDescription(await peer.pc.createOffer());
      return peer.pc.localDescription.sdp;
    },
    async answer(participant, target, sdp) {
      const peer = peers.get(key(participant, target));
      if (!peer) throw new Error(`no subscription ${participant} to ${target}`);
      await peer.pc.setRemoteDescription({ type: 'answer', sdp });
      remoteSet(peer);
    },
    /** Returns false when there is no such peer connection. */
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
})();
