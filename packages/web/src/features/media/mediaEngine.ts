import type { IceCandidate, IceConfiguration, MediaCommand, MediaKind, ParticipantId } from '@plenum/protocol';
import { Peer } from './peer.js';
import { rateLink, type Counters, type LinkStats } from './quality.js';

/** High to low: Janus takes the first encoding as the top layer (substream 2), the last as substream 0. */
const simulcastEncodings: RTCRtpEncodingParameters[] = [
  { rid: 'h', scaleResolutionDownBy: 1 },
  { rid: 'm', scaleResolutionDownBy: 2 },
  { rid: 'l', scaleResolutionDownBy: 4 },
];
/** Below this width three layers cost more encoder time than they save anyone bandwidth. */
export const minSimulcastWidth = 640;

/** One peer connection of the engine, for statistics and diagnostics. */
export interface EngineConnection {
  kind: MediaKind;
  /** Whose stream this connection receives; null for my own publication. */
  target: ParticipantId | null;
  pc: RTCPeerConnection;
}

interface Subscription {
  peer: Peer;
  stream: MediaStream | null;
}

/** What failed when the engine reports a failure: sending my camera or screen, or receiving someone's. */
export type MediaOperation = `${'publish' | 'subscribe'} ${MediaKind}`;

const key = (target: string, kind: MediaKind) => `${target}/${kind}`;

/** Repairs of one connection wait 0, 1, 2, 4 … s, at most this long. */
const maxRepairDelayMs = 10_000;

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
  #ice: IceConfiguration = { iceServers: [] };
  /** After a connection failed with TURN on offer, every new one goes through the relay (as LiveKit does). */
  #relayOnly = false;
  #cameraFlags = { audio: false, video: false };
  /** Consecutive repairs per connection (`key` or publication kind), for the back-off. */
  readonly #repairs = new Map<string, number>();
  readonly #repairTimers = new Set<ReturnType<typeof setTimeout>>();

  /**
   * `send`: a media command to the controller. `onFailure`: a negotiation step failed (e.g. the
   * browser refused an SDP); failures of a connection closed meanwhile are not reported.
   */
  constructor(
    private readonly send: (command: MediaCommand) => void,
    private readonly onFailure: (what: MediaOperation, error: unknown) => void,
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

  /** The peer connections in use now: publications first, then subscriptions. Read-only: for getStats and diagnostics. */
  connections(): EngineConnection[] {
    const list: EngineConnection[] = [...this.#publications].map(([kind, peer]) => ({ kind, target: null, pc: peer.pc }));
    for (const [id, subscription] of this.#subscriptions) {
      const [target, kind] = id.split('/') as [ParticipantId, MediaKind];
      list.push({ kind, target, pc: subscription.peer.pc });
    }
    return list;
  }

  // --- publishing
  setCamera(stream: MediaStream | null): void {
    this.#camera = stream;
    this.#changed();
  }

  setTrackEnabled(kind: 'audio' | 'video', enabled: boolean): void {
    const tracks = kind === 'audio' ? this.#camera?.getAudioTracks() : this.#camera?.getVideoTracks();
    for (const track of tracks ?? []) track.enabled = enabled;
    this.#cameraFlags = { ...this.#cameraFlags, [kind]: enabled };
  }

  /** ICE servers from join_success and each token refresh; running connections take them for later gathering. */
  setIce(ice: IceConfiguration): void {
    this.#ice = ice;
    const { iceServers } = this.#configuration();
    for (const peer of this.#peers()) {
      try {
        peer.pc.setConfiguration({ ...peer.pc.getConfiguration(), iceServers });
      } catch {
        // A closed connection refuses; it is replaced anyway.
      }
    }
  }

  /** True once connections go through the TURN relay only. */
  get relayOnly(): boolean {
    return this.#relayOnly;
  }

  /** The network came back or changed: replace every connection that is not connected now. */
  networkChanged(): void {
    for (const [kind, peer] of this.#publications) if (peer.pc.connectionState !== 'connected') this.#repairPublication(kind, peer);
    for (const [id, subscription] of this.#subscriptions) {
      const [target, kind] = id.split('/') as [ParticipantId, MediaKind];
      if (subscription.peer.pc.connectionState !== 'connected') this.#repairSubscription(target, kind, subscription.peer);
    }
  }

  publishCamera(audio: boolean, video: boolean): void {
    this.#cameraFlags = { audio, video };
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
    }, this.#fail(`publish ${kind}`, peer));
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

  /** The publisher started its stream anew: the old subscription carries nothing any more. */
  resubscribe(target: ParticipantId, kind: MediaKind): void {
    if (!this.#subscriptions.has(key(target, kind))) return;
    this.#dropSubscription(target, kind);
    this.requestSubscription(target, kind);
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
    }, this.#fail(`subscribe ${kind}`, peer));
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
    for (const timer of this.#repairTimers) clearTimeout(timer);
    this.#repairTimers.clear();
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
    const peer: Peer = new Peer(
      (candidate) => this.send({ action: 'candidate', kind, candidate }),
      this.#configuration(),
      () => this.#repairPublication(kind, peer),
    );
    this.#whenConnected(peer, kind);
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
    }, this.#fail(`publish ${kind}`, peer));
  }

  #subscription(target: ParticipantId, kind: MediaKind): Subscription {
    const id = key(target, kind);
    let subscription = this.#subscriptions.get(id);
    if (!subscription) {
      const peer: Peer = new Peer(
        (candidate) => this.send({ action: 'candidate', kind, target, candidate }),
        this.#configuration(),
        () => this.#repairSubscription(target, kind, peer),
      );
      this.#whenConnected(peer, id);
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

  #configuration(): RTCConfiguration {
    const iceServers: RTCIceServer[] = this.#ice.iceServers.map((server) => ({
      urls: server.urls,
      ...(server.username === undefined ? {} : { username: server.username }),
      ...(server.credential === undefined ? {} : { credential: server.credential }),
    }));
    return { iceServers, iceTransportPolicy: this.#relayOnly && iceServers.length > 0 ? 'relay' : 'all' };
  }

  *#peers(): Iterable<Peer> {
    yield* this.#publications.values();
    for (const subscription of this.#subscriptions.values()) yield subscription.peer;
  }

  #whenConnected(peer: Peer, repairKey: string): void {
    peer.pc.addEventListener('connectionstatechange', () => {
      if (peer.pc.connectionState === 'connected') this.#repairs.delete(repairKey);
    });
  }

  /** Runs `repair` after the back-off of `repairKey`; from the first failure on, through the relay. */
  #scheduleRepair(repairKey: string, repair: () => void): void {
    if (this.#ice.iceServers.length > 0) this.#relayOnly = true;
    const attempt = this.#repairs.get(repairKey) ?? 0;
    this.#repairs.set(repairKey, attempt + 1);
    const timer = setTimeout(() => {
      this.#repairTimers.delete(timer);
      repair();
    }, attempt === 0 ? 0 : Math.min(maxRepairDelayMs, 1000 * 2 ** (attempt - 1)));
    this.#repairTimers.add(timer);
  }

  #repairPublication(kind: MediaKind, broken: Peer): void {
    this.#scheduleRepair(kind, () => {
      if (this.#publications.get(kind) !== broken) return;
      if (kind === 'camera') this.publishCamera(this.#cameraFlags.audio, this.#cameraFlags.video);
      else if (this.#screen) this.publishScreen(this.#screen);
    });
  }

  #repairSubscription(target: ParticipantId, kind: MediaKind, broken: Peer): void {
    this.#scheduleRepair(key(target, kind), () => {
      if (this.#subscriptions.get(key(target, kind))?.peer !== broken) return;
      this.#dropSubscription(target, kind);
      this.requestSubscription(target, kind);
    });
  }

  #fail(what: MediaOperation, peer: Peer): (error: unknown) => void {
    return (error) => {
      if (!peer.closed) this.onFailure(what, error);
    };
  }
}
