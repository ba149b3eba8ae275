// The join benchmark's baseline client: the least a browser must do to see a Janus videoroom
// publisher, speaking the Janus WebSocket API itself (no controller, no ticket, no checks).
// It mirrors what the Plenum media test page does for a subscription (same peer connection
// settings, same trickle order, same first-frame detection), so that the difference between
// the two is what Plenum adds. Driven by bench/join.mjs through `window.direct`.

/* global window, document, RTCPeerConnection, MediaStream */

const plugin = 'janus.plugin.videoroom';
/** Janus drops a session after 60 s without a request; keep it alive well before that. */
const keepaliveMs = 25_000;

const statusLine = document.getElementById('status');
const mediaSection = document.getElementById('media');

/** Wall-clock milliseconds with sub-millisecond precision, comparable with Node's on the same machine. */
function now() {
  return performance.timeOrigin + performance.now();
}

function mark(marks, name) {
  if (marks[name] === undefined) marks[name] = now();
}

function randomTransaction() {
  return crypto.getRandomValues(new Uint32Array(2)).join('-');
}

/**
 * One WebSocket to the Janus API: requests are matched to replies by transaction (an `ack`
 * only says an event will follow), and events without a transaction go to their handle.
 */
class JanusConnection {
  #ws;
  #apiSecret;
  #pending = new Map();
  /** handle id → listener for its transaction-less events (trickle, webrtcup, ...) */
  #handles = new Map();
  #keepalive = null;
  sessionId = null;

  constructor(ws, apiSecret) {
    this.#ws = ws;
    this.#apiSecret = apiSecret;
    ws.addEventListener('message', (event) => this.#onMessage(JSON.parse(event.data)));
    ws.addEventListener('close', () => {
      for (const { reject } of this.#pending.values()) reject(new Error('Janus socket closed'));
      this.#pending.clear();
    });
  }

  static open(url, apiSecret) {
    const ws = new WebSocket(url, 'janus-protocol');
    return new Promise((resolve, reject) => {
      ws.addEventListener('open', () => resolve(new JanusConnection(ws, apiSecret)), { once: true });
      ws.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true });
    });
  }

  /** Sends `message` and resolves with the reply (`success` or the plugin's `event`); rejects on `error`. */
  call(message) {
    const transaction = randomTransaction();
    const promise = new Promise((resolve, reject) => this.#pending.set(transaction, { resolve, reject }));
    this.send({ ...message, transaction });
    return promise;
  }

  /** Sends without waiting for a reply (trickle, keepalive). */
  send(message) {
    const full = { transaction: randomTransaction(), apisecret: this.#apiSecret, ...message };
    if (this.sessionId !== null && full.janus !== 'create') full.session_id = this.sessionId;
    this.#ws.send(JSON.stringify(full));
  }

  async createSession() {
    const reply = await this.call({ janus: 'create' });
    this.sessionId = reply.data.id;
    this.#keepalive = setInterval(() => this.send({ janus: 'keepalive' }), keepaliveMs);
  }

  async attach(onEvent) {
    const reply = await this.call({ janus: 'attach', plugin });
    const handleId = reply.data.id;
    this.#handles.set(handleId, onEvent);
    return handleId;
  }

  close() {
    clearInterval(this.#keepalive);
    this.#ws.close();
  }

  #onMessage(message) {
    const waiter = message.transaction === undefined ? undefined : this.#pending.get(message.transaction);
    if (message.janus === 'ack') return;
    if (waiter && (message.janus === 'success' || message.janus === 'event' || message.janus === 'error')) {
      this.#pending.delete(message.transaction);
      const pluginError = message.plugindata?.data?.error;
      if (message.janus === 'error') waiter.reject(new Error(`Janus error ${message.error?.code}: ${message.error?.reason}`));
      else if (pluginError) waiter.reject(new Error(`videoroom error ${message.plugindata.data.error_code}: ${pluginError}`));
      else waiter.resolve(message);
      return;
    }
    if (message.sender !== undefined) this.#handles.get(message.sender)?.(message);
  }
}

/**
 * A peer connection with the bridge and what trickle needs: remote candidates wait until the
 * remote description is set, local ones until the offer or answer has gone out.
 */
function openPeer(janus, handleId, marks) {
  const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
  const peer = { pc, remoteSet: false, pendingRemote: [], localReady: false, pendingLocal: [] };
  const trickle = (candidate) => janus.send({ janus: 'trickle', handle_id: handleId, candidate });
  pc.addEventListener('icecandidate', (event) => {
    const candidate = event.candidate === null ? { completed: true } : event.candidate.candidate ? { candidate: event.candidate.candidate, sdpMid: event.candidate.sdpMid, sdpMLineIndex: event.candidate.sdpMLineIndex } : undefined;
    if (candidate === undefined) return;
    if (peer.localReady) trickle(candidate);
    else peer.pendingLocal.push(candidate);
  });
  pc.addEventListener('iceconnectionstatechange', () => {
    if (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') mark(marks, 'iceConnected');
  });
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'connected') mark(marks, 'connected');
  });
  peer.addRemote = (candidate) => {
    if (!peer.remoteSet) {
      peer.pendingRemote.push(candidate);
      return;
    }
    const init = candidate.completed ? undefined : { candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? 0 };
    pc.addIceCandidate(init).catch(() => undefined);
  };
  peer.remoteDescriptionSet = () => {
    peer.remoteSet = true;
    for (const candidate of peer.pendingRemote.splice(0)) peer.addRemote(candidate);
  };
  peer.sendLocal = () => {
    peer.localReady = true;
    for (const candidate of peer.pendingLocal.splice(0)) trickle(candidate);
  };
  return peer;
}

/** Marks `firstFrame` once `pc` has decoded a video frame: getStats every 5 ms, as the Plenum page does. */
function watchFirstFrame(pc, marks) {
  const started = now();
  const check = async () => {
    if (marks.firstFrame !== undefined || pc.connectionState === 'closed') return;
    const report = await pc.getStats();
    for (const entry of report.values()) {
      if (entry.type === 'inbound-rtp' && entry.kind === 'video' && (entry.framesDecoded ?? 0) > 0) {
        mark(marks, 'firstFrame');
        return;
      }
    }
    if (now() - started < 30_000) setTimeout(() => void check(), 5);
  };
  void check();
}

function play(track) {
  const element = document.createElement(track.kind === 'video' ? 'video' : 'audio');
  element.muted = true;
  element.autoplay = true;
  element.playsInline = true;
  element.srcObject = new MediaStream([track]);
  mediaSection.append(element);
  element.play().catch(() => undefined);
}

const state = { connections: [], streams: [], subscription: null };

/**
 * Publishes the fake camera and microphone into `room` as `feed`, creating the room first with
 * `createRequest` (the body Plenum's bridges use). Resolves once the media flows.
 */
async function publish({ url, apiSecret, room, createRequest, feed, video }) {
  const janus = await JanusConnection.open(url, apiSecret);
  state.connections.push(janus);
  await janus.createSession();
  const marks = {};
  let peer = null;
  const handleId = await janus.attach((message) => {
    if (message.janus === 'trickle') peer?.addRemote(message.candidate);
  });
  await janus.call({ janus: 'message', handle_id: handleId, body: createRequest });
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: true,
    video: { width: { ideal: video.width }, height: { ideal: video.height }, frameRate: { ideal: video.frameRate, max: video.frameRate } },
  });
  state.streams.push(stream);
  peer = openPeer(janus, handleId, marks);
  for (const track of stream.getTracks()) peer.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
  await janus.call({ janus: 'message', handle_id: handleId, body: { request: 'join', ptype: 'publisher', room, id: feed, display: feed } });
  await peer.pc.setLocalDescription(await peer.pc.createOffer());
  const configured = janus.call({ janus: 'message', handle_id: handleId, body: { request: 'configure', audio: true, video: true }, jsep: peer.pc.localDescription.toJSON() });
  peer.sendLocal();
  const answer = await configured;
  await peer.pc.setRemoteDescription(answer.jsep);
  peer.remoteDescriptionSet();
  const deadline = now() + 15_000;
  while (peer.pc.connectionState !== 'connected') {
    if (now() > deadline) throw new Error(`publisher not connected: ${peer.pc.connectionState}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  statusLine.textContent = 'publishing';
  return { feed };
}

/**
 * Subscribes to `feed` in `room`, recording each step in epoch ms: `joinCalled`, `socketOpen`,
 * `sessionCreated`, `attached`, `subscribeSent`, `offerReceived`, `answerSent`, `subscribed`,
 * `iceConnected`, `connected`, `firstFrame` (read them with `timeline()`). Resolves once the
 * subscription has started; the first frame comes later.
 */
async function subscribe({ url, apiSecret, room, feed }) {
  if (state.subscription !== null) throw new Error('one subscription per page: open a new page');
  const marks = {};
  state.subscription = { marks };
  mark(marks, 'joinCalled');
  const janus = await JanusConnection.open(url, apiSecret);
  state.connections.push(janus);
  mark(marks, 'socketOpen');
  await janus.createSession();
  mark(marks, 'sessionCreated');
  let peer = null;
  const early = [];
  const handleId = await janus.attach((message) => {
    if (message.janus !== 'trickle') return;
    // With full trickle, Janus may send candidates before its offer has arrived here.
    if (peer) peer.addRemote(message.candidate);
    else early.push(message.candidate);
  });
  mark(marks, 'attached');
  mark(marks, 'subscribeSent');
  const offer = await janus.call({ janus: 'message', handle_id: handleId, body: { request: 'join', ptype: 'subscriber', room, streams: [{ feed }] } });
  mark(marks, 'offerReceived');
  peer = openPeer(janus, handleId, marks);
  for (const candidate of early) peer.addRemote(candidate);
  peer.pc.addEventListener('track', (event) => play(event.track));
  await peer.pc.setRemoteDescription(offer.jsep);
  peer.remoteDescriptionSet();
  await peer.pc.setLocalDescription(await peer.pc.createAnswer());
  const started = janus.call({ janus: 'message', handle_id: handleId, body: { request: 'start' }, jsep: peer.pc.localDescription.toJSON() });
  mark(marks, 'answerSent');
  watchFirstFrame(peer.pc, marks);
  peer.sendLocal();
  state.subscription.pc = peer.pc;
  await started;
  mark(marks, 'subscribed');
  statusLine.textContent = 'subscribed';
}

function timeline() {
  return { ...(state.subscription?.marks ?? {}) };
}

function close() {
  state.subscription?.pc?.close();
  for (const stream of state.streams) for (const track of stream.getTracks()) track.stop();
  for (const janus of state.connections) janus.close();
}

window.direct = { publish, subscribe, timeline, close };
statusLine.textContent = 'ready';
