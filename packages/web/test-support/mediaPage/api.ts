// What the media test page offers its driver (`window.plenum`, called through Playwright) and
// what it returns: plain JSON. Types only, shared by the page and by the controller's tests
// (packages/controller/src/test-support/mediaParticipant.ts), so nothing here may need the DOM.

export interface PageMediaState {
  audio: boolean;
  video: boolean;
  screen: boolean;
  forceMuted: boolean;
}

export interface CameraSize {
  width?: number;
  height?: number;
  frameRate?: number;
}

export interface JoinOptions {
  /** The controller's signaling URL, `ws://127.0.0.1:<port>/v1/signaling`. */
  wsUrl: string;
  /** A ticket from `POST /v1/rooms/{id}/start`; the page has only this one (no reconnection with a new ticket). */
  ticket: string;
  /**
   * Camera size; default 320×240 at 15 fps, or 960×540 with `simulcast: true`. The web client
   * publishes three simulcast layers (rids `h`, `m`, `l`) from a camera 640 px wide on.
   */
  video?: CameraSize;
  /**
   * Whether the camera is wide enough for the web client to simulcast: `true` makes the default
   * camera 960×540, and a `video.width` that contradicts the choice is refused.
   */
  simulcast?: boolean;
  /** Open no camera or microphone and publish nothing: only subscribe to the others. */
  receiveOnly?: boolean;
  /** `device` (default): the (fake) microphone; `tone`: a steady 440 Hz tone instead, someone who keeps talking. */
  audioSource?: 'device' | 'tone';
  /** Microphone on at the start (default true), as chosen in the lobby; `setMicrophone` switches it later. */
  microphone?: boolean;
  /** Also record when the first video frame of each subscription was decoded (polls getStats every 5 ms); see `timeline()`. */
  timeline?: boolean;
  /** The name chosen in the lobby; default `Media test page`. */
  displayName?: string;
  /** Send only local candidates whose address starts with one of these (e.g. the host side of the bridge's veth). */
  candidateAddressPrefixes?: string[];
  /** How long join() waits for `join_success`; default 10 s. */
  timeoutMs?: number;
}

export interface RemoteMediaStats {
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  framesPerSecond: number;
  /** mimeType of the inbound video, e.g. `video/VP8`. */
  codec: string | null;
  audioPacketsReceived: number;
  audioBytesReceived: number;
  audioLevel: number;
  audioSamplesReceived: number;
  audioCodec: string | null;
  connectionState: string;
}

export interface OutboundLayerStats {
  rid: string | null;
  frameWidth: number;
  frameHeight: number;
  bytesSent: number;
  framesEncoded: number;
  active: boolean;
  /** Why the encoder holds back: `none`, `bandwidth`, `cpu` or `other`. */
  qualityLimitationReason: string | null;
}

export interface OutboundMediaStats {
  codec: string | null;
  /** Video bytes, all simulcast layers together. */
  bytesSent: number;
  framesEncoded: number;
  /** One per simulcast layer (one without simulcast), smallest first. */
  layers: OutboundLayerStats[];
  audioCodec: string | null;
  audioBytesSent: number;
  audioPacketsSent: number;
  /** The sender's bandwidth estimate in bit/s (the selected candidate pair's), if known. */
  availableOutgoingBitrate: number | null;
  connectionState: string;
}

export interface MediaPageStats {
  id: string | null;
  /** The camera publication, while there is one. */
  outbound: OutboundMediaStats | null;
  /** By participant ID, one per camera subscription the web client holds. */
  remote: Record<string, RemoteMediaStats>;
}

/** The last step of a publication or subscription seen on the wire, unless its connection failed or closed. */
export type PeerStatus = 'requested' | 'offered' | 'answered' | 'subscribed' | 'failed' | 'closed';

export interface PeerInfo {
  /** Publication: `offered` (publish sent), `answered`. Subscription: `requested`, `offered`, `answered` (answer sent), `subscribed`. */
  status: PeerStatus | null;
  connectionState: string;
  iceConnectionState: string;
  signalingState: string;
  /** Local candidates sent to the controller, and those `candidateAddressPrefixes` held back. */
  localCandidates: number;
  filteredCandidates: number;
  remoteCandidates: number;
}

export interface MediaPageState {
  id: string | null;
  role: string | null;
  displayName: string | null;
  joined: boolean;
  waiting: boolean;
  /** The reason of `join_blocked`, if one came. */
  blocked: string | null;
  socket: 'none' | 'connecting' | 'open' | 'closing' | 'closed';
  closeCode: number | null;
  closeReason: string | null;
  /** The web client's own switches (its Redux store). */
  micOn: boolean;
  camOn: boolean;
  /** My own media state as the controller announced it in `media_state` (all off until then). */
  media: PageMediaState;
  mutedBy: string | null;
  /** How many `bridge_reset` events arrived. */
  resets: number;
  participants: { id: string; displayName: string; media: PageMediaState | null }[];
  /** The camera publication's peer connection, while there is one. */
  publisher: PeerInfo | null;
  /** By participant ID: each camera subscription's peer connection. */
  subscriptions: Record<string, PeerInfo>;
  errors: { namespace: string; error: string; text: string }[];
  /** What the camera delivers (getUserMedia's settings); null without a camera. */
  camera: { width: number; height: number; frameRate: number } | null;
}

/** Steps of a publication or subscription, each the first time it happened, in epoch ms. */
export interface PeerTimeline {
  subscribeSent?: number;
  offerReceived?: number;
  answerSent?: number;
  subscribed?: number;
  /** ICE connectivity established (before DTLS), on the connection in use now. */
  iceConnected?: number;
  /** ICE and DTLS done, on the connection in use now. */
  connected?: number;
  /** The first video frame was decoded (join option `timeline`: getStats polled every 5 ms). */
  firstFrame?: number;
}

export interface MediaPageTimeline {
  join: { joinCalled?: number; mediaOpened?: number; socketOpen?: number; joinSuccess?: number };
  publisher: PeerTimeline | null;
  /** By participant ID. */
  subscriptions: Record<string, PeerTimeline>;
}

export interface SelfTestOptions {
  video?: CameraSize;
  minFrames?: number;
  timeoutMs?: number;
  /** Exchange only 127.0.0.1/::1 candidates (default); Chromium then needs --allow-loopback-in-peer-connection. */
  loopbackOnly?: boolean;
}

export interface SelfTestResult {
  /** What getUserMedia delivered. */
  settings: { width: number; height: number; frameRate: number };
  inbound: RemoteMediaStats;
  outbound: OutboundMediaStats;
  candidates: { forwarded: number; skipped: number };
  /** Local address of the candidate pair each side uses. */
  localAddresses: { sender: string | null; receiver: string | null };
  /** The `a=simulcast:` value of the web client's publish offer for a 1280×720 camera. */
  simulcastLine: string | null;
}

/** What the page did: commands sent, socket and peer connection states, candidates held back, failures. */
export interface TraceEntry {
  /** ms since the page loaded. */
  t: number;
  what: string;
  [detail: string]: unknown;
}

/** `window.plenum`. */
export interface MediaPageApi {
  /** Joins as the web client does after the lobby: resolves at `join_success`, rejects if the join fails. Once per page. */
  join(options: JoinOptions): Promise<{ id: string; participants: string[] }>;
  state(): MediaPageState;
  stats(): Promise<MediaPageStats>;
  /** Leaves as the Leave button does, and waits up to 3 s for the socket to close. */
  leave(): Promise<{ closeCode: number | null }>;
  setMicrophone(on: boolean): void;
  setCamera(on: boolean): void;
  /** Asks the bridge for simulcast layer `substream` (0 low, 1 medium, 2 high) of `target`'s camera. */
  setLayer(target: string, substream: 0 | 1 | 2): void;
  timeline(): MediaPageTimeline;
  /** A call between two peer connections inside the page: camera, codecs and trickle without controller or bridge. */
  selfTest(options?: SelfTestOptions): Promise<SelfTestResult>;
}

// ---------------------------------------------------------------------------------------------
// The fake bridge of the page's own test (fakeBridge.html)

/** A candidate of the fake bridge, for the fake controller to send to `participant`. */
export interface BridgeCandidate {
  participant: string;
  /** The subscription's target; null for the participant's publication. */
  target: string | null;
  candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null;
}

/** `window.fakeBridge`: peer connections in a page standing in for Janus. */
export interface FakeBridgeApi {
  /** Answers a publication. */
  publish(participant: string, sdp: string): Promise<string>;
  /** Offers `participant` what `target` publishes; rejects if `target` publishes nothing. */
  subscribe(participant: string, target: string): Promise<string>;
  answer(participant: string, target: string, sdp: string): Promise<void>;
  /** Returns false when there is no such peer connection. */
  candidate(participant: string, target: string | null, candidate: BridgeCandidate['candidate']): boolean;
  drop(participant: string): void;
  reset(): void;
}
