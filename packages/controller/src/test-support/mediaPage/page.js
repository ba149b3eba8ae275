// The Plenum media test page: a minimal signaling and WebRTC client for tests. It is a test
// harness, not the web client. Plain ES module, no build step, driven by Playwright through
// `window.plenum`. Every event received is kept in `window.plenumLog`; what the page itself
// does (commands sent, peer connection states, failures) goes to `window.plenumTrace`.
// User-visible strings are set with textContent only (the server sends Trusted Types in its CSP).

/* global window, document, RTCPeerConnection, MediaStream, AudioContext */

const kind = 'camera';
const defaultVideo = { width: 320, height: 240, frameRate: 15 };
/**
 * High to low: Janus takes the first rid of `a=simulcast` as the highest layer (substream 2)
 * and the last as the lowest (substream 0), whatever the rids are called.
 */
const simulcastEncodings = [
  { rid: 'h', scaleResolutionDownBy: 1 },
  { rid: 'm', scaleResolutionDownBy: 2 },
  { rid: 'l', scaleResolutionDownBy: 4 },
];
/** Below the controller's defaults (burst 30, 10 per second), so trickling never hits the limit. */
const defaultSendRate = { burst: 25, perSecond: 9 };
/** After bridge_reset: subscribe again when the target's next media_state arrives, or after this. */
const resubscribeFallbackMs = 2000;

/** @type {unknown[]} */
const log = [];
/** @type {Record<string, unknown>[]} */
const trace = [];
window.plenumLog = log;
window.plenumTrace = trace;

const statusLine = document.getElementById('status');
const selfVideo = document.getElementById('self');
const remoteSection = document.getElementById('remote');

const s = {
  options: null,
  /** @type {WebSocket | null} */
  ws: null,
  closeCode: null,
  closeReason: null,
  joinWaiter: null,
  id: null,
  role: null,
  displayName: null,
  joined: false,
  waiting: false,
  blocked: null,
  /** @type {MediaStream | null} */
  stream: null,
  micOn: true,
  camOn: true,
  ownState: null,
  mutedBy: null,
  /** id → {id, displayName} */
  participants: new Map(),
  /** id → MediaState, from join_success and media_state */
  mediaStates: new Map(),
  publisher: null,
  /** target → peer */
  subs: new Map(),
  resets: 0,
  awaitingRepublish: new Set(),
  errors: [],
};

/** id → {figure, video, audio, caption} */
const tiles = new Map();

const outbox = { queue: [], tokens: 0, burst: 0, perSecond: 1, last: 0, timer: null, delayed: 0 };

/** Wall-clock milliseconds with sub-millisecond precision, comparable with Node's on the same machine. */
function now() {
  return performance.timeOrigin + performance.now();
}

/** Join timeline (option `timeline`): the first time each step happened, in epoch ms. */
const joinMarks = {};

function mark(marks, name) {
  if (s.options?.timeline && marks[name] === undefined) marks[name] = now();
}

function note(what, detail = {}) {
  trace.push({ t: Math.round(performance.now()), what, ...detail });
}

function errorText(error) {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function setStatus(text) {
  statusLine.textContent = text;
}

// ---------------------------------------------------------------------------------------------
// Signaling socket

function send(namespace, payload) {
  const ws = s.ws;
  if (ws === null || ws.readyState > WebSocket.OPEN) {
    note('not sent: socket closed', { namespace, action: payload.action });
    return;
  }
  outbox.queue.push({ namespace, payload });
  pump();
}

/** Sends queued commands within a token bucket, so bursts of candidates stay under the limit. */
function pump() {
  const ws = s.ws;
  if (ws === null || ws.readyState !== WebSocket.OPEN) return;
  const now = performance.now();
  outbox.tokens = Math.min(outbox.burst, outbox.tokens + ((now - outbox.last) / 1000) * outbox.perSecond);
  outbox.last = now;
  while (outbox.queue.length > 0 && outbox.tokens >= 1) {
    outbox.tokens -= 1;
    const frame = outbox.queue.shift();
    ws.send(JSON.stringify(frame));
    note('sent', { namespace: frame.namespace, action: frame.payload.action, target: frame.payload.target });
  }
  if (outbox.queue.length > 0 && outbox.timer === null) {
    outbox.delayed += 1;
    const wait = Math.ceil(((1 - outbox.tokens) / outbox.perSecond) * 1000);
    outbox.timer = setTimeout(() => {
      outbox.timer = null;
      pump();
    }, wait);
  }
}

function onFrame(data) {
  let event;
  try {
    event = JSON.parse(data);
  } catch {
    note('frame is not JSON');
    return;
  }
  log.push(event);
  const namespace = event?.namespace;
  const payload = event?.payload ?? {};
  try {
    if (payload.message === 'error') {
      s.errors.push({ namespace, error: payload.error, text: payload.text });
      if (namespace === 'media' && payload.error === 'unknown_participant') subscribeFailed();
    } else if (namespace === 'control') {
      onControl(payload);
    } else if (namespace === 'media') {
      onMedia(payload);
    } else if (namespace === 'moderation' && payload.message === 'in_waiting_room') {
      s.waiting = true;
      setStatus('in the waiting room');
    }
  } catch (error) {
    note('handler failed', { namespace, message: payload.message, error: errorText(error) });
  }
}

function onClose(event) {
  s.closeCode = event.code;
  s.closeReason = event.reason;
  note('socket closed', { code: event.code, reason: event.reason });
  setStatus(`disconnected (${event.code})`);
  s.joined = false;
  finishJoin(new Error(`socket closed with ${event.code} before join_success`));
  closeAllPeers();
  outbox.queue.length = 0;
}

function finishJoin(error, value) {
  const waiter = s.joinWaiter;
  if (waiter === null) return;
  s.joinWaiter = null;
  if (error) waiter.reject(error);
  else waiter.resolve(value);
}

// ---------------------------------------------------------------------------------------------
// control

function onControl(p) {
  switch (p.message) {
    case 'join_success': {
      mark(joinMarks, 'joinSuccess');
      s.id = p.id;
      s.role = p.role;
      s.displayName = p.displayName;
      s.joined = true;
      s.waiting = false;
      for (const participant of p.participants ?? []) addParticipant(participant);
      const states = p.modules?.media?.states ?? {};
      for (const [id, state] of Object.entries(states)) {
        if (id === s.id) s.ownState = state;
        else s.mediaStates.set(id, state);
      }
      setStatus(`joined as ${p.displayName}`);
      finishJoin(null, { id: p.id, participants: [...s.participants.keys()] });
      void publish();
      for (const [id, state] of s.mediaStates) if (hasMedia(state)) subscribe(id);
      break;
    }
    case 'joined':
      addParticipant(p.participant);
      break;
    case 'update':
      addParticipant(p.participant);
      break;
    case 'left':
      removeParticipant(p.id);
      break;
    case 'join_blocked':
      s.blocked = p.reason;
      finishJoin(new Error(`join blocked: ${p.reason}`));
      break;
    default:
      break;
  }
}

function addParticipant(participant) {
  if (participant?.id === undefined || participant.id === s.id) return;
  s.participants.set(participant.id, { id: participant.id, displayName: participant.displayName });
  const tile = tiles.get(participant.id);
  if (tile) tile.caption.textContent = participant.displayName;
}

function removeParticipant(id) {
  s.participants.delete(id);
  s.mediaStates.delete(id);
  s.awaitingRepublish.delete(id);
  const sub = s.subs.get(id);
  if (sub) {
    closePeer(sub);
    s.subs.delete(id);
  }
  removeTile(id);
}

// ---------------------------------------------------------------------------------------------
// media

function onMedia(p) {
  switch (p.message) {
    case 'publish_answer':
      if (p.kind === kind) onPublishAnswer(p.sdp);
      break;
    case 'subscribe_offer':
      if (p.kind === kind) onSubscribeOffer(p.target, p.sdp);
      break;
    case 'subscribed': {
      const sub = s.subs.get(p.target);
      if (sub && p.kind === kind) {
        sub.status = 'subscribed';
        mark(sub.marks, 'subscribed');
      }
      break;
    }
    case 'candidate':
      if (p.kind === kind) onRemoteCandidate(p.target, p.candidate);
      break;
    case 'media_state':
      onMediaState(p.participant, p.state);
      break;
    case 'muted':
      s.mutedBy = p.by;
      break;
    case 'bridge_reset':
      onBridgeReset();
      break;
    default:
      break;
  }
}

function hasMedia(state) {
  return Boolean(state && (state.audio || state.video));
}

function onMediaState(participant, state) {
  if (participant === s.id) {
    s.ownState = state;
    return;
  }
  s.mediaStates.set(participant, state);
  if (!hasMedia(state)) return;
  s.awaitingRepublish.delete(participant);
  subscribe(participant);
}

function onBridgeReset() {
  s.resets += 1;
  const reset = s.resets;
  note('bridge reset', { reset });
  setStatus('bridge reset: publishing again');
  if (s.publisher) closePeer(s.publisher);
  s.publisher = null;
  for (const sub of s.subs.values()) closePeer(sub);
  s.subs.clear();
  void publish();
  // The others publish again too: subscribe when their next media_state says so, or after a
  // short wait to those whose last known state still has media.
  s.awaitingRepublish = new Set([...s.mediaStates].filter(([, state]) => hasMedia(state)).map(([id]) => id));
  setTimeout(() => {
    if (s.resets !== reset) return;
    for (const target of s.awaitingRepublish) if (hasMedia(s.mediaStates.get(target))) subscribe(target);
    s.awaitingRepublish.clear();
  }, resubscribeFallbackMs);
}

function sendMediaState() {
  if (s.joined) send('media', { action: 'update_media_state', audio: s.micOn, video: s.camOn });
}

// ---------------------------------------------------------------------------------------------
// Peer connections

/**
 * A peer connection with the bridge and what trickle needs: remote candidates wait until the
 * remote description is set, local ones until the offer or answer has been sent.
 */
function newPeer(role, target) {
  return {
    role,
    target,
    /** @type {RTCPeerConnection | null} */
    pc: null,
    status: 'new',
    closed: false,
    remoteSet: false,
    pending: [],
    localReady: false,
    outgoing: [],
    localCandidates: 0,
    remoteCandidates: 0,
    chain: Promise.resolve(),
    offerSeq: 0,
    offers: 0,
    requested: false,
    /** Where local candidates go: to the controller, or (self test) to the other peer. */
    sink: sendCandidate,
    /** Timeline of this peer connection (option `timeline`), epoch ms. */
    marks: {},
  };
}

/** Gives `peer` a fresh RTCPeerConnection; events of an older one are ignored. */
function openPc(peer) {
  const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
  peer.pc = pc;
  peer.localReady = false;
  peer.outgoing = [];
  const current = () => peer.pc === pc && !peer.closed;
  pc.addEventListener('connectionstatechange', () => {
    note('connection state', { role: peer.role, target: peer.target, state: pc.connectionState });
    if (current() && pc.connectionState === 'connected') mark(peer.marks, 'connected');
  });
  pc.addEventListener('iceconnectionstatechange', () => {
    if (current() && (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed')) mark(peer.marks, 'iceConnected');
  });
  pc.addEventListener('icecandidate', (event) => {
    if (!current()) return;
    const candidate = localCandidate(event.candidate);
    if (candidate === undefined) return;
    peer.localCandidates += 1;
    if (peer.localReady) peer.sink(peer, candidate, event.candidate);
    else peer.outgoing.push([candidate, event.candidate]);
  });
  pc.addEventListener('track', (event) => {
    if (current() && peer.target !== undefined) attachTrack(peer.target, event.track);
  });
  return pc;
}

function sendCandidate(peer, candidate) {
  const command = { action: 'candidate', kind };
  if (peer.target !== undefined) command.target = peer.target;
  command.candidate = candidate;
  send('media', command);
}

/** The wire form of a local candidate; `undefined` to skip it; `null` when gathering completed. */
function localCandidate(candidate) {
  if (candidate === null) return null;
  if (!candidate.candidate) return undefined;
  const prefixes = s.options?.candidateAddressPrefixes;
  if (Array.isArray(prefixes) && !prefixes.some((prefix) => plainAddress(candidate.address).startsWith(prefix))) {
    note('local candidate filtered', { address: candidate.address });
    return undefined;
  }
  // Only the fields the protocol accepts (RTCIceCandidate.toJSON() adds usernameFragment).
  const wire = { candidate: candidate.candidate };
  if (candidate.sdpMid !== null) wire.sdpMid = candidate.sdpMid;
  if (candidate.sdpMLineIndex !== null) wire.sdpMLineIndex = candidate.sdpMLineIndex;
  return wire;
}

function localReady(peer) {
  peer.localReady = true;
  for (const [candidate, original] of peer.outgoing.splice(0)) peer.sink(peer, candidate, original);
}

function onRemoteCandidate(target, candidate) {
  let peer = s.publisher;
  if (target !== undefined && target !== null) {
    // Normally subscribe has made the entry; the bridge's candidates may still precede its offer.
    peer = s.subs.get(target) ?? (s.participants.has(target) ? subscription(target) : null);
  }
  if (!peer || peer.closed) {
    note('remote candidate dropped: no such peer connection', { target });
    return;
  }
  peer.remoteCandidates += 1;
  applyRemoteCandidate(peer, candidate ?? null);
}

function applyRemoteCandidate(peer, candidate) {
  if (!peer.remoteSet || peer.pc === null) {
    peer.pending.push(candidate);
    return;
  }
  let init;
  if (candidate !== null) {
    const sdpMid = candidate.sdpMid ?? null;
    const sdpMLineIndex = candidate.sdpMLineIndex ?? (sdpMid === null ? 0 : null);
    init = { candidate: candidate.candidate, sdpMid, sdpMLineIndex };
  }
  peer.pc.addIceCandidate(init).catch((error) => {
    note('addIceCandidate failed', { role: peer.role, target: peer.target, error: errorText(error) });
  });
}

function remoteDescriptionSet(peer) {
  peer.remoteSet = true;
  for (const candidate of peer.pending.splice(0)) applyRemoteCandidate(peer, candidate);
}

function closePeer(peer) {
  peer.closed = true;
  peer.status = 'closed';
  try {
    peer.pc?.close();
  } catch (error) {
    note('close failed', { error: errorText(error) });
  }
}

function closeAllPeers() {
  if (s.publisher) closePeer(s.publisher);
  for (const sub of s.subs.values()) closePeer(sub);
}

function failed(peer, what) {
  return (error) => {
    if (!peer.closed) peer.status = 'failed';
    note(`${what} failed`, { role: peer.role, target: peer.target, error: errorText(error) });
  };
}

// Publisher -----------------------------------------------------------------------------------

async function publish() {
  if (!s.joined || s.stream === null) return;
  const pub = newPeer('publisher', undefined);
  s.publisher = pub;
  openPc(pub);
  const stream = s.stream;
  const init = { direction: 'sendonly', streams: [stream] };
  pub.pc.addTransceiver(stream.getAudioTracks()[0], init);
  pub.pc.addTransceiver(
    stream.getVideoTracks()[0],
    s.options.simulcast ? { ...init, sendEncodings: simulcastEncodings.map((e) => ({ ...e })) } : init,
  );
  pub.status = 'offering';
  try {
    const offer = await pub.pc.createOffer();
    await pub.pc.setLocalDescription(offer);
    if (pub.closed) return;
    send('media', { action: 'publish', kind, sdp: pub.pc.localDescription.sdp, audio: s.micOn, video: s.camOn });
    pub.status = 'offered';
    localReady(pub);
  } catch (error) {
    failed(pub, 'publish')(error);
  }
}

function onPublishAnswer(sdp) {
  const pub = s.publisher;
  if (!pub || pub.closed) {
    note('publish_answer without a publication');
    return;
  }
  pub.chain = pub.chain
    .then(async () => {
      await pub.pc.setRemoteDescription({ type: 'answer', sdp });
      if (pub.closed) return;
      pub.status = 'answered';
      remoteDescriptionSet(pub);
      setStatus('publishing');
      if (s.options.announceMediaState) sendMediaState();
    })
    .catch(failed(pub, 'publish_answer'));
}

// Subscriptions -------------------------------------------------------------------------------

/** The subscription to `target`, created without a peer connection if there is none. */
function subscription(target) {
  let sub = s.subs.get(target);
  if (!sub) {
    sub = newPeer('subscriber', target);
    s.subs.set(target, sub);
  }
  return sub;
}

/** Whether `sub` is requested and neither refused nor broken. */
function healthy(sub) {
  return sub.requested && !sub.closed && !['failed', 'closed'].includes(sub.pc?.connectionState ?? '');
}

function subscribe(target) {
  if (!s.joined || target === s.id) return;
  const sub = subscription(target);
  if (healthy(sub)) return;
  sub.requested = true;
  sub.status = 'requested';
  sub.offers = 0;
  mark(sub.marks, 'subscribeSent');
  send('media', { action: 'subscribe', target, kind });
}

/**
 * The controller refused a subscribe (nothing published, e.g. not yet after a bridge reset). An
 * error does not name its command: every subscription still waiting for its offer may be asked
 * for again at the target's next media_state.
 */
function subscribeFailed() {
  for (const sub of s.subs.values()) {
    if (sub.requested && sub.offers === 0 && sub.pc === null) {
      sub.requested = false;
      sub.status = 'refused';
    }
  }
}

function fingerprint(sdp) {
  return /^a=fingerprint:(.*)$/m.exec(sdp ?? '')?.[1]?.trim() ?? null;
}

function onSubscribeOffer(target, sdp) {
  const sub = subscription(target);
  mark(sub.marks, 'offerReceived');
  sub.offers += 1;
  sub.offerSeq += 1;
  const seq = sub.offerSeq;
  // Candidates from here on belong to this offer: hold them until it is applied.
  sub.remoteSet = false;
  sub.chain = sub.chain.then(() => answerOffer(sub, sdp, seq)).catch(failed(sub, 'subscribe_offer'));
}

async function answerOffer(sub, sdp, seq) {
  if (sub.closed) return;
  // Another bridge handle (other DTLS fingerprint) needs a new peer connection; the same handle
  // renegotiates on the one it has.
  if (sub.pc !== null && fingerprint(sub.pc.remoteDescription?.sdp) !== fingerprint(sdp)) {
    note('subscription replaced', { target: sub.target });
    sub.pc.close();
    sub.pc = null;
  }
  const pc = sub.pc ?? openPc(sub);
  sub.status = 'answering';
  await pc.setRemoteDescription({ type: 'offer', sdp });
  if (sub.closed || sub.pc !== pc) return;
  if (seq === sub.offerSeq) remoteDescriptionSet(sub);
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  if (sub.closed || sub.pc !== pc) return;
  send('media', { action: 'subscribe_answer', target: sub.target, kind, sdp: pc.localDescription.sdp });
  mark(sub.marks, 'answerSent');
  if (s.options.timeline) watchFirstFrame(sub, pc);
  if (sub.status === 'answering') sub.status = 'answered';
  localReady(sub);
}

/** A participant's tile: `<figure data-participant=ID>` with video, audio and name. */
function tileFor(id) {
  let tile = tiles.get(id);
  if (!tile) {
    const figure = document.createElement('figure');
    figure.dataset.participant = id;
    const video = document.createElement('video');
    video.dataset.participant = id;
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    const audio = document.createElement('audio');
    audio.dataset.participant = id;
    audio.autoplay = true;
    const caption = document.createElement('figcaption');
    caption.textContent = s.participants.get(id)?.displayName ?? id;
    figure.append(video, audio, caption);
    remoteSection.append(figure);
    tile = { figure, video, audio, caption };
    tiles.set(id, tile);
  }
  return tile;
}

function removeTile(id) {
  tiles.get(id)?.figure.remove();
  tiles.delete(id);
}

function attachTrack(id, track) {
  const tile = tileFor(id);
  const element = track.kind === 'video' ? tile.video : tile.audio;
  element.srcObject = new MediaStream([track]);
  play(element, id);
}

function play(element, id) {
  element.play().catch((error) => {
    if (element.muted) {
      note('play failed', { id, kind: element.localName, error: errorText(error) });
      return;
    }
    // Autoplay with sound may be refused; muted playout still decodes and counts.
    note('autoplay with sound refused: muted', { id, error: errorText(error) });
    element.muted = true;
    play(element, id);
  });
}

// ---------------------------------------------------------------------------------------------
// Statistics

async function inboundStats(pc) {
  const report = await pc.getStats();
  const out = {
    framesDecoded: 0,
    frameWidth: 0,
    frameHeight: 0,
    framesPerSecond: 0,
    codec: null,
    audioPacketsReceived: 0,
    audioBytesReceived: 0,
    audioLevel: 0,
    audioSamplesReceived: 0,
    audioCodec: null,
    connectionState: pc.connectionState,
  };
  for (const entry of report.values()) {
    if (entry.type !== 'inbound-rtp') continue;
    const codec = entry.codecId ? (report.get(entry.codecId)?.mimeType ?? null) : null;
    if (entry.kind === 'video' && (entry.framesDecoded ?? 0) >= out.framesDecoded) {
      out.framesDecoded = entry.framesDecoded ?? 0;
      out.frameWidth = entry.frameWidth ?? 0;
      out.frameHeight = entry.frameHeight ?? 0;
      out.framesPerSecond = entry.framesPerSecond ?? 0;
      out.codec = codec;
    } else if (entry.kind === 'audio' && (entry.packetsReceived ?? 0) >= out.audioPacketsReceived) {
      out.audioPacketsReceived = entry.packetsReceived ?? 0;
      out.audioBytesReceived = entry.bytesReceived ?? 0;
      out.audioLevel = entry.audioLevel ?? 0;
      out.audioSamplesReceived = entry.totalSamplesReceived ?? 0;
      out.audioCodec = codec;
    }
  }
  return out;
}

/**
 * Marks `firstFrame` on `peer` once `pc` has decoded a video frame (option `timeline`). Polls
 * getStats every 5 ms, which bounds the error of the mark, for at most 30 s.
 */
function watchFirstFrame(peer, pc) {
  const started = now();
  const check = async () => {
    if (peer.closed || peer.pc !== pc || peer.marks.firstFrame !== undefined) return;
    if ((await inboundStats(pc)).framesDecoded > 0) {
      mark(peer.marks, 'firstFrame');
      return;
    }
    if (now() - started < 30_000) setTimeout(() => void check(), 5);
  };
  void check();
}

async function outboundStats(pc) {
  const report = await pc.getStats();
  const out = {
    codec: null,
    bytesSent: 0,
    framesEncoded: 0,
    layers: [],
    audioCodec: null,
    audioBytesSent: 0,
    audioPacketsSent: 0,
    availableOutgoingBitrate: null,
    connectionState: pc.connectionState,
  };
  for (const entry of report.values()) {
    if (entry.type === 'candidate-pair' && entry.nominated && entry.availableOutgoingBitrate !== undefined) {
      out.availableOutgoingBitrate = entry.availableOutgoingBitrate;
    }
    if (entry.type !== 'outbound-rtp') continue;
    const codec = entry.codecId ? (report.get(entry.codecId)?.mimeType ?? null) : null;
    if (entry.kind === 'video') {
      out.codec ??= codec;
      out.bytesSent += entry.bytesSent ?? 0;
      out.framesEncoded += entry.framesEncoded ?? 0;
      out.layers.push({
        rid: entry.rid ?? null,
        frameWidth: entry.frameWidth ?? 0,
        frameHeight: entry.frameHeight ?? 0,
        bytesSent: entry.bytesSent ?? 0,
        framesEncoded: entry.framesEncoded ?? 0,
        active: entry.active ?? true,
        qualityLimitationReason: entry.qualityLimitationReason ?? null,
      });
    } else if (entry.kind === 'audio') {
      out.audioCodec ??= codec;
      out.audioBytesSent += entry.bytesSent ?? 0;
      out.audioPacketsSent += entry.packetsSent ?? 0;
    }
  }
  out.layers.sort((a, b) => a.frameWidth - b.frameWidth);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The API

async function openCamera(video) {
  const v = { ...defaultVideo, ...video };
  return navigator.mediaDevices.getUserMedia({
    audio: true,
    video: { width: { ideal: v.width }, height: { ideal: v.height }, frameRate: { ideal: v.frameRate, max: v.frameRate } },
  });
}

/**
 * Replaces the microphone of `stream` with a steady 440 Hz tone from Web Audio. The fake
 * microphone only beeps briefly twice a second, which averages too quiet for the bridge's
 * active-speaker detection; a tone is a participant who keeps talking.
 */
function useToneAsMicrophone(stream) {
  const context = new AudioContext();
  const oscillator = context.createOscillator();
  oscillator.frequency.value = 440;
  const gain = context.createGain();
  gain.gain.value = 0.5;
  const destination = context.createMediaStreamDestination();
  oscillator.connect(gain).connect(destination);
  oscillator.start();
  for (const track of stream.getAudioTracks()) {
    track.stop();
    stream.removeTrack(track);
  }
  stream.addTrack(destination.stream.getAudioTracks()[0]);
}

function showSelf(stream) {
  selfVideo.srcObject = stream;
  selfVideo.play().catch((error) => note('play failed', { id: 'self', error: errorText(error) }));
}

async function join(options) {
  if (s.options !== null) throw new Error('join() was already called on this page: open a new page');
  if (typeof options?.wsUrl !== 'string' || typeof options.ticket !== 'string') throw new Error('join() needs wsUrl and ticket');
  s.options = {
    simulcast: false,
    receiveOnly: false,
    timeline: false,
    audioSource: 'device',
    microphone: true,
    announceMediaState: false,
    candidateAddressPrefixes: null,
    timeoutMs: 10_000,
    ...options,
    video: { ...defaultVideo, ...options.video },
    sendRate: { ...defaultSendRate, ...options.sendRate },
  };
  mark(joinMarks, 'joinCalled');
  if (!s.options.receiveOnly) {
    setStatus('opening camera and microphone');
    s.stream = await openCamera(s.options.video);
    if (s.options.audioSource === 'tone') useToneAsMicrophone(s.stream);
    s.micOn = Boolean(s.options.microphone);
    for (const track of s.stream.getAudioTracks()) track.enabled = s.micOn;
    showSelf(s.stream);
    mark(joinMarks, 'mediaOpened');
  } else {
    s.micOn = false;
    s.camOn = false;
  }
  outbox.burst = s.options.sendRate.burst;
  outbox.perSecond = s.options.sendRate.perSecond;
  outbox.tokens = outbox.burst;
  outbox.last = performance.now();

  setStatus('connecting');
  const ws = new WebSocket(s.options.wsUrl, ['plenum-json-v1', `ticket#${s.options.ticket}`]);
  s.ws = ws;
  const joined = new Promise((resolve, reject) => {
    const timer = setTimeout(() => finishJoin(new Error(`no join_success within ${s.options.timeoutMs} ms`)), s.options.timeoutMs);
    s.joinWaiter = {
      resolve(value) {
        clearTimeout(timer);
        resolve(value);
      },
      reject(error) {
        clearTimeout(timer);
        reject(error);
      },
    };
  });
  ws.addEventListener('open', () => {
    mark(joinMarks, 'socketOpen');
    note('socket open', { protocol: ws.protocol });
    setStatus('joining');
    const command = { action: 'join' };
    if (typeof s.options.displayName === 'string') command.displayName = s.options.displayName;
    send('control', command);
  });
  ws.addEventListener('message', (event) => onFrame(event.data));
  ws.addEventListener('close', onClose);
  ws.addEventListener('error', () => note('socket error'));
  return joined;
}

function cameraSettings() {
  const settings = s.stream?.getVideoTracks()[0]?.getSettings();
  return settings ? { width: settings.width ?? 0, height: settings.height ?? 0, frameRate: settings.frameRate ?? 0 } : null;
}

function peerInfo(peer) {
  if (!peer) return null;
  return {
    status: peer.status,
    connectionState: peer.pc?.connectionState ?? null,
    iceConnectionState: peer.pc?.iceConnectionState ?? null,
    signalingState: peer.pc?.signalingState ?? null,
    localCandidates: peer.localCandidates,
    remoteCandidates: peer.remoteCandidates,
    pendingRemoteCandidates: peer.pending.length,
  };
}

function state() {
  const socketStates = ['connecting', 'open', 'closing', 'closed'];
  return {
    id: s.id,
    role: s.role,
    displayName: s.displayName,
    joined: s.joined,
    waiting: s.waiting,
    blocked: s.blocked,
    socket: s.ws === null ? 'none' : socketStates[s.ws.readyState],
    closeCode: s.closeCode,
    closeReason: s.closeReason,
    micOn: s.micOn,
    camOn: s.camOn,
    /** My own media state as the controller announced it (all off until it did). */
    media: s.ownState ?? { audio: false, video: false, screen: false, forceMuted: false },
    mutedBy: s.mutedBy,
    resets: s.resets,
    participants: [...s.participants.values()].map((p) => ({ ...p, media: s.mediaStates.get(p.id) ?? null })),
    publisher: peerInfo(s.publisher),
    subscriptions: Object.fromEntries([...s.subs].map(([target, sub]) => [target, peerInfo(sub)])),
    errors: s.errors.slice(),
    /** What the camera delivers (getUserMedia's settings); null without a camera. */
    camera: cameraSettings(),
    outbox: { queued: outbox.queue.length, delayedBursts: outbox.delayed },
  };
}

async function stats() {
  const remote = {};
  for (const [target, sub] of s.subs) {
    if (sub.pc !== null && !sub.closed) remote[target] = await inboundStats(sub.pc);
  }
  const pub = s.publisher;
  const outbound = pub && !pub.closed ? await outboundStats(pub.pc) : null;
  return { id: s.id, outbound, remote };
}

async function leave() {
  const ws = s.ws;
  if (ws !== null && ws.readyState === WebSocket.OPEN) {
    send('control', { action: 'leave' });
    const deadline = performance.now() + 3000;
    while (s.closeCode === null && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (s.closeCode === null) ws.close();
  }
  closeAllPeers();
  for (const track of s.stream?.getTracks() ?? []) track.stop();
  return { closeCode: s.closeCode };
}

function setMicrophone(on) {
  s.micOn = Boolean(on);
  if (s.micOn) s.mutedBy = null;
  for (const track of s.stream?.getAudioTracks() ?? []) track.enabled = s.micOn;
  sendMediaState();
}

/** Asks the bridge for simulcast layer `substream` (0 low, 1 medium, 2 high) of `target`'s camera. */
function setLayer(target, substream) {
  send('media', { action: 'configure_subscription', target, kind, substream });
}

/** What option `timeline` recorded: the join's steps and each peer connection's, in epoch ms. */
function timeline() {
  return {
    join: { ...joinMarks },
    publisher: s.publisher ? { ...s.publisher.marks } : null,
    subscriptions: Object.fromEntries([...s.subs].map(([target, sub]) => [target, { ...sub.marks }])),
  };
}

function setCamera(on) {
  s.camOn = Boolean(on);
  for (const track of s.stream?.getVideoTracks() ?? []) track.enabled = s.camOn;
  sendMediaState();
}

/** Chromium writes IPv6 candidate addresses in brackets. */
function plainAddress(address) {
  return (address ?? '').replace(/^\[(.*)\]$/, '$1');
}

function isLoopback(address) {
  const plain = plainAddress(address);
  return plain.startsWith('127.') || plain === '::1';
}

/**
 * A call between two peer connections inside the page, over loopback candidates only (Chromium
 * needs --allow-loopback-in-peer-connection for those): proves camera, microphone, codecs and
 * the page's trickle queue without a controller or bridge.
 */
async function selfTest(options = {}) {
  const { video, minFrames = 10, timeoutMs = 10_000, loopbackOnly = true } = options;
  const stream = await openCamera(video);
  const settings = stream.getVideoTracks()[0].getSettings();
  const sender = newPeer('loopback-sender', undefined);
  const receiver = newPeer('loopback-receiver', 'loopback');
  const candidates = { forwarded: 0, skipped: 0 };
  // Candidates go straight to the other side instead of to the controller.
  const handOver = (to) => (_peer, candidate, original) => {
    if (original !== null && loopbackOnly && !isLoopback(original.address)) {
      candidates.skipped += 1;
      return;
    }
    if (original !== null) candidates.forwarded += 1;
    applyRemoteCandidate(to, candidate);
  };
  sender.sink = handOver(receiver);
  receiver.sink = handOver(sender);
  openPc(sender);
  openPc(receiver);
  const init = { direction: 'sendonly', streams: [stream] };
  sender.pc.addTransceiver(stream.getAudioTracks()[0], init);
  sender.pc.addTransceiver(stream.getVideoTracks()[0], init);

  // What a simulcast publication offers (a loopback call cannot receive simulcast).
  const probe = new RTCPeerConnection();
  probe.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly', sendEncodings: simulcastEncodings.map((e) => ({ ...e })) });
  const probeOffer = await probe.createOffer();
  probe.close();
  const simulcastLine = /^a=simulcast:(.*)$/m.exec(probeOffer.sdp)?.[1]?.trim() ?? null;

  try {
    await sender.pc.setLocalDescription(await sender.pc.createOffer());
    localReady(sender);
    await receiver.pc.setRemoteDescription(sender.pc.localDescription);
    remoteDescriptionSet(receiver);
    await receiver.pc.setLocalDescription(await receiver.pc.createAnswer());
    localReady(receiver);
    await sender.pc.setRemoteDescription(receiver.pc.localDescription);
    remoteDescriptionSet(sender);

    const deadline = performance.now() + timeoutMs;
    let inbound = await inboundStats(receiver.pc);
    while (inbound.framesDecoded < minFrames || inbound.audioPacketsReceived === 0) {
      if (performance.now() > deadline) {
        throw new Error(
          `loopback call decoded ${inbound.framesDecoded} frames, ${inbound.audioPacketsReceived} audio packets in ${timeoutMs} ms ` +
            `(connection ${receiver.pc.connectionState}; loopback candidates ${candidates.forwarded}, others skipped ${candidates.skipped})`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
      inbound = await inboundStats(receiver.pc);
    }
    const outbound = await outboundStats(sender.pc);
    const localAddresses = { sender: await selectedLocalAddress(sender.pc), receiver: await selectedLocalAddress(receiver.pc) };
    return {
      settings: { width: settings.width, height: settings.height, frameRate: settings.frameRate },
      inbound,
      outbound,
      candidates,
      localAddresses,
      simulcastLine,
      log: trace.filter((entry) => String(entry.role).startsWith('loopback')),
    };
  } finally {
    closePeer(sender);
    closePeer(receiver);
    for (const track of stream.getTracks()) track.stop();
    removeTile('loopback');
  }
}

/** The local address of the candidate pair in use (the remote one may be hidden as prflx). */
async function selectedLocalAddress(pc) {
  const report = await pc.getStats();
  for (const entry of report.values()) {
    if (entry.type === 'transport' && entry.selectedCandidatePairId) {
      const pair = report.get(entry.selectedCandidatePairId);
      return report.get(pair?.localCandidateId)?.address ?? null;
    }
  }
  return null;
}

window.plenum = { join, state, stats, leave, setMicrophone, setCamera, setLayer, timeline, selfTest };
setStatus('ready');
