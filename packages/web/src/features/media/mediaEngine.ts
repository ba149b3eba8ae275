import type { IceCandidate, MediaCommand, MediaKind, ParticipantId } from '@plenum/protocol';
import { Peer } from './peer.js';
import { rateLink, type Counters, type LinkStats } from './quality.js';

/** High to low: Janus takes the first encoding as the top layer (substream 2), the last as substream 0. */
const simulcastEncodings: RTCRtpEncodingParameters[] = [
  { rid: 'h', scaleResolutionDownBy: 1 },
  { rid: 'm', scaleResolutionDownBy: 2 },
  { rid: 'l', scaleResolutionDownBy: 4 },
];
/** Below this width three layers cost more encoder time than they save anyone bandwidth. */
const minSimulcastWidth = 640;

interface Subscription {
  peer: Peer;
  stream: MediaStream | null;
}

const key = (target: string, kind: MediaKind) => `${target}/${kind}`;

/**
 * The browser side of media: local tracks, one peer connection per publication and per
 * subscription. Streams and peer connections are not serializable, so they live here and
 * not in Redux; components read streams through `subscribe`/`remoteStream`.
 */
export class MediaEngine {
  #camera: MediaStream | null = null;
  #screen: MediaStream | null = null;
  readonly #publications = new Map<MediaKind, Peer>();
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #counters = new Map<string, Counters>();
  readonly #listeners = new Set<() => void>();
  #version = 0;

  constructor(
    private readonly send: (command: MediaCommand) => void,
    private readonly onFailure: (what: string, error: unknown) => void,
  ) {}

  // --- for React (useSyncExternalStore)
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };
  version = (): number => this.#version;
  #changed(): void {
    this.#version += 1;
    for (const listener of this.#listeners) listener();
  }

  cameraStream(): MediaStream | null {
    return this.#camera;
  }
  screenStream(): MediaStream | null {
    return this.#screen;
  }
  remoteStream(target: ParticipantId, kind: MediaKind): MediaStream | null {
    return this.#subscriptions.get(key(target, kind))?.stream ?? null;
  }

  // --- publishing
  setCamera(stream: MediaStream | null): void {
    this.#camera = stream;
    this.#changed();
  }

  setTrackEnabled(kind: 'audio' | 'video', enabled: boolean): void {
    const tracks = kind === 'audio' ? this.#camera?.getAudioTracks() : this.#camera?.getVideoTracks();
    for (const track of tracks ?? []) track.enabled = enabled;
  }

  publishCamera(audio: boolean, video: boolean): void {
    const stream = this.#camera;
    if (stream === null || stream.getTracks().length === 0) return;
    const peer = this.#newPublication('camera');
    for (const track of stream.getAudioTracks()) peer.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    for (const track of stream.getVideoTracks()) {
      const width = track.getSettings().width ?? 0;
      const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: [stream] };
      if (width >= minSimulcastWidth) init.sendEncodings = simulcastEncodings.map((encoding) => ({ ...encoding }));
      peer.pc.addTransceiver(track, init);
    }
    this.#offer(peer, 'camera', audio, video);
  }

  publishScreen(stream: MediaStream): void {
    this.#screen = stream;
    const peer = this.#newPublication('screen');
    for (const track of stream.getVideoTracks()) peer.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    this.#offer(peer, 'screen', false, true);
    this.#changed();
  }

  stopScreen(): void {
    for (const track of this.#screen?.getTracks() ?? []) track.stop();
    this.#screen = null;
    this.#publications.get('screen')?.close();
    this.#publications.delete('screen');
    this.send({ action: 'unpublish', kind: 'screen' });
    this.#changed();
  }

  onPublishAnswer(kind: MediaKind, sdp: string): void {
    const peer = this.#publications.get(kind);
    if (!peer) return;
    peer.enqueue(async () => {
      await peer.pc.setRemoteDescription({ type: 'answer', sdp });
      peer.remoteDescriptionSet();
    }, this.#fail(`publish ${kind}`));
  }

  // --- subscribing
  isSubscribed(target: ParticipantId, kind: MediaKind): boolean {
    const subscription = this.#subscriptions.get(key(target, kind));
    return subscription !== undefined && !['failed', 'closed'].includes(subscription.peer.pc.connectionState);
  }

  requestSubscription(target: ParticipantId, kind: MediaKind): void {
    if (this.isSubscribed(target, kind)) return;
    this.#dropSubscription(target, kind);
    this.#subscription(target, kind);
    this.send({ action: 'subscribe', target, kind });
  }

  unsubscribe(target: ParticipantId, kind: MediaKind): void {
    if (!this.#subscriptions.has(key(target, kind))) return;
    this.#dropSubscription(target, kind);
    this.send({ action: 'unsubscribe', target, kind });
    this.#changed();
  }

  onSubscribeOffer(target: ParticipantId, kind: MediaKind, sdp: string): void {
    // A second offer for the same subscription (e.g. after a bridge restart) starts afresh.
    const existing = this.#subscriptions.get(key(target, kind));
    if (existing?.peer.pc.remoteDescription) this.#dropSubscription(target, kind);
    const { peer } = this.#subscription(target, kind);
    peer.enqueue(async () => {
      await peer.pc.setRemoteDescription({ type: 'offer', sdp });
      peer.remoteDescriptionSet();
      const answer = await peer.pc.createAnswer();
      await peer.pc.setLocalDescription(answer);
      if (peer.closed) return;
      this.send({ action: 'subscribe_answer', target, kind, sdp: answer.sdp ?? '' });
      peer.localDescriptionSent();
    }, this.#fail(`subscribe ${kind}`));
  }

  onCandidate(kind: MediaKind, target: ParticipantId | undefined, candidate: IceCandidate): void {
    const peer = target === undefined ? this.#publications.get(kind) : this.#subscriptions.get(key(target, kind))?.peer;
    peer?.addRemoteCandidate(candidate);
  }

  removeParticipant(target: ParticipantId): void {
    this.#dropSubscription(target, 'camera');
    this.#dropSubscription(target, 'screen');
    this.#counters.delete(target);
    this.#changed();
  }

  /** The bridge was replaced: every peer connection is dead; publish again at once. */
  resetAfterBridgeLoss(audio: boolean, video: boolean): void {
    for (const peer of this.#publications.values()) peer.close();
    this.#publications.clear();
    for (const subscription of this.#subscriptions.values()) subscription.peer.close();
    this.#subscriptions.clear();
    this.publishCamera(audio, video);
    if (this.#screen) this.publishScreen(this.#screen);
    this.#changed();
  }

  /** Per subscribed participant (camera), how the link is doing. */
  async measure(): Promise<Record<string, LinkStats>> {
    const result: Record<string, LinkStats> = {};
    for (const [id, subscription] of this.#subscriptions) {
      const [target, kind] = id.split('/');
      if (kind !== 'camera' || target === undefined) continue;
      const report = await subscription.peer.pc.getStats();
      const { stats, counters } = rateLink(report, this.#counters.get(target));
      this.#counters.set(target, counters);
      result[target] = stats;
    }
    return result;
  }

  close(): void {
    for (const peer of this.#publications.values()) peer.close();
    this.#publications.clear();
    for (const subscription of this.#subscriptions.values()) subscription.peer.close();
    this.#subscriptions.clear();
    for (const track of [...(this.#camera?.getTracks() ?? []), ...(this.#screen?.getTracks() ?? [])]) track.stop();
    this.#camera = null;
    this.#screen = null;
    this.#changed();
  }

  #newPublication(kind: MediaKind): Peer {
    this.#publications.get(kind)?.close();
    const peer = new Peer((candidate) => this.send({ action: 'candidate', kind, candidate }));
    this.#publications.set(kind, peer);
    return peer;
  }

  #offer(peer: Peer, kind: MediaKind, audio: boolean, video: boolean): void {
    peer.enqueue(async () => {
      const offer = await peer.pc.createOffer();
      await peer.pc.setLocalDescription(offer);
      if (peer.closed) return;
      this.send({ action: 'publish', kind, sdp: offer.sdp ?? '', audio, video });
      peer.localDescriptionSent();
    }, this.#fail(`publish ${kind}`));
  }

  #subscription(target: ParticipantId, kind: MediaKind): Subscription {
    const id = key(target, kind);
    let subscription = this.#subscriptions.get(id);
    if (!subscription) {
      const peer = new Peer((candidate) => this.send({ action: 'candidate', kind, target, candidate }));
      const created: Subscription = { peer, stream: null };
      peer.pc.addEventListener('track', (event) => {
        if (peer.closed) return;
        const stream = created.stream ?? new MediaStream();
        stream.addTrack(event.track);
        created.stream = stream;
        this.#changed();
      });
      subscription = created;
      this.#subscriptions.set(id, subscription);
    }
    return subscription;
  }

  #dropSubscription(target: ParticipantId, kind: MediaKind): void {
    const id = key(target, kind);
    this.#subscriptions.get(id)?.peer.close();
    this.#subscriptions.delete(id);
  }

  #fail(what: string): (error: unknown) => void {
    return (error) => this.onFailure(what, error);
  }
}
