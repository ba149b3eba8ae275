// One participant of the media test page: the web client's own ConferenceSession (with its
// SignalingConnection, MediaEngine, Peers, signaling handlers and Redux store), started as
// the lobby and Meeting start it, plus what the tests read: the wire as the page saw it,
// statistics, timeline, and tiles that play the remote streams. Nothing here decides what the
// client does; every reaction to the controller is the client's.

import { AnyEvent, CommandEnvelope, ControlEvent, ErrorPayload, MediaCommand, MediaEvent, MediaJoinData, ParticipantId, type MediaState } from '@plenum/protocol';
import { makeStore } from '../../src/app/store.js';
import { ConferenceSession } from '../../src/conference/session.js';
import { participantSelectors } from '../../src/features/control/controlSlice.js';
import { minSimulcastWidth, type EngineConnection } from '../../src/features/media/mediaEngine.js';
import { localMediaChanged } from '../../src/features/media/mediaSlice.js';
import type { JoinOptions, MediaPageState, MediaPageStats, MediaPageTimeline, PeerInfo, PeerStatus, PeerTimeline, TraceEntry } from './api.js';
import { cameraSettings, openCamera, useToneAsMicrophone } from './devices.js';
import { marksOf, now } from './peerConnections.js';
import { inboundStats, outboundStats } from './stats.js';
import { Tiles } from './tiles.js';
import { candidateAddress, type WireObserver } from './wire.js';

const offState: MediaState = { audio: false, video: false, screen: false, forceMuted: false };
const socketStates = ['connecting', 'open', 'closing', 'closed'] as const;
/** The publication's key in `#steps`; subscriptions use their target's ID. */
const publication = '';

interface Resolved {
  wsUrl: string;
  ticket: string;
  video: { width: number; height: number; frameRate: number };
  receiveOnly: boolean;
  audioSource: 'device' | 'tone';
  microphone: boolean;
  timeline: boolean;
  displayName: string;
  candidateAddressPrefixes: string[] | null;
  timeoutMs: number;
}

/** The camera the options ask for: `simulcast` is a camera wide enough for the web client to simulcast. */
function resolve(options: JoinOptions): Resolved {
  if (typeof options.wsUrl !== 'string' || typeof options.ticket !== 'string') throw new Error('join() needs wsUrl and ticket');
  const wide = options.simulcast === true;
  const video = { width: wide ? 960 : 320, height: wide ? 540 : 240, frameRate: 15, ...options.video };
  if (options.simulcast !== undefined && options.simulcast !== video.width >= minSimulcastWidth) {
    throw new Error(`the web client simulcasts exactly when the camera is ${minSimulcastWidth} px wide or more; simulcast: ${options.simulcast} with video.width ${video.width}`);
  }
  return {
    wsUrl: options.wsUrl,
    ticket: options.ticket,
    video,
    receiveOnly: options.receiveOnly ?? false,
    audioSource: options.audioSource ?? 'device',
    microphone: options.microphone ?? true,
    timeline: options.timeline ?? false,
    displayName: options.displayName ?? 'Media test page',
    candidateAddressPrefixes: options.candidateAddressPrefixes ?? null,
    timeoutMs: options.timeoutMs ?? 10_000,
  };
}

/** What the wire showed of one publication (key `publication`) or subscription (key: its target). */
interface Steps {
  status: PeerStatus | null;
  localCandidates: number;
  filteredCandidates: number;
  remoteCandidates: number;
  marks: PeerTimeline;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PageParticipant {
  /** Every frame received, parsed (`window.plenumLog`). */
  readonly received: unknown[] = [];
  /** The frames received that the contract refuses, each with why (`window.plenumViolations`). */
  readonly violations: string[] = [];
  /** What the page saw happen (`window.plenumTrace`). */
  readonly trace: TraceEntry[] = [];
  readonly #store = makeStore();
  readonly #tiles: Tiles;
  #options: Resolved | null = null;
  #session: ConferenceSession | null = null;
  #stream: MediaStream | null = null;
  #socket: WebSocket | null = null;
  #closeCode: number | null = null;
  #closeReason: string | null = null;
  #ownMedia: MediaState | null = null;
  #mutedBy: string | null = null;
  #blocked: string | null = null;
  #resets = 0;
  readonly #errors: MediaPageState['errors'] = [];
  readonly #steps = new Map<string, Steps>();
  readonly #joinMarks: MediaPageTimeline['join'] = {};
  /** Settles join() when the store or the socket says so. */
  #joinCheck: (() => void) | null = null;

  /** `remote`: where the tiles of the others go. */
  constructor(remote: HTMLElement) {
    this.#tiles = new Tiles(remote, (what, detail) => this.note(what, detail));
    this.#store.subscribe(() => {
      this.#joinCheck?.();
      this.#render();
    });
  }

  note(what: string, detail: Record<string, unknown> = {}): void {
    this.trace.push({ t: Math.round(performance.now()), what, ...detail });
  }

  /** How a peer connection appears in the trace: `publication` or `subscription <target>`, if the client holds it. */
  describe(pc: RTCPeerConnection): string {
    const connection = this.#connections().find((c) => c.pc === pc);
    if (!connection) return 'other';
    return connection.target === null ? `${connection.kind} publication` : `${connection.kind} subscription ${connection.target}`;
  }

  /** Where the recording WebSocket reports. */
  readonly wire: WireObserver = {
    opened: (socket) => {
      this.#socket = socket;
      this.#joinMarks.socketOpen ??= now();
      this.note('socket open', { protocol: socket.protocol });
    },
    received: (frame) => this.#received(frame),
    violation: (report) => {
      this.violations.push(report);
      this.note('contract violation', { report });
      window.plenumContractViolation?.(report);
    },
    sending: (frame) => this.#sending(frame),
    closed: (code, reason) => {
      this.#closeCode = code;
      this.#closeReason = reason;
      this.note('socket closed', { code, reason });
      this.#joinCheck?.();
    },
  };

  async join(options: JoinOptions): Promise<{ id: string; participants: string[] }> {
    if (this.#options !== null) throw new Error('join() was already called on this page: open a new page');
    const o = resolve(options);
    this.#options = o;
    this.#joinMarks.joinCalled = now();
    if (!o.receiveOnly) {
      this.#stream = await openCamera(o.video);
      if (o.audioSource === 'tone') useToneAsMicrophone(this.#stream);
      this.#joinMarks.mediaOpened = now();
    }
    const audio = !o.receiveOnly && o.microphone;
    const video = !o.receiveOnly;
    // The lobby hands its stream over with the tracks switched as chosen.
    for (const track of this.#stream?.getAudioTracks() ?? []) track.enabled = audio;
    let ticket: string | null = o.ticket;
    const session = new ConferenceSession(
      this.#store.dispatch,
      () => this.#store.getState(),
      // A guest entry without a guest token: nothing refreshes tokens (they outlive every test),
      // and the ticket, a user's or a guest's, comes from the test.
      { kind: 'guest', roomId: '', inviteCode: '', displayName: o.displayName },
      {
        signalingUrl: o.wsUrl,
        requestTicket: async () => {
          if (ticket === null) throw new Error('the media test page has only one ticket');
          const once = ticket;
          ticket = null;
          return { ticket: once };
        },
      },
    );
    this.#session = session;
    session.media.subscribe(() => this.#render());
    // What Meeting does with the lobby's choice.
    this.#store.dispatch(localMediaChanged({ audio, video, screen: false, forceMuted: false }));
    session.media.setTrackEnabled('audio', audio);
    session.media.setTrackEnabled('video', video);
    const joined = this.#whenJoined(o.timeoutMs);
    void session.start(this.#stream);
    return joined;
  }

  state(): MediaPageState {
    const s = this.#store.getState();
    const me = s.control.me;
    const connections = this.#connections();
    const publisher = connections.find((c) => c.kind === 'camera' && c.target === null);
    return {
      id: me?.id ?? null,
      role: me?.role ?? null,
      displayName: me?.displayName ?? null,
      joined: s.control.phase === 'joined',
      waiting: s.control.phase === 'waiting',
      blocked: this.#blocked,
      socket: this.#socket === null ? 'none' : (socketStates[this.#socket.readyState] ?? 'closed'),
      closeCode: this.#closeCode,
      closeReason: this.#closeReason,
      micOn: s.media.local.audio,
      camOn: s.media.local.video,
      media: this.#ownMedia ?? offState,
      mutedBy: this.#mutedBy,
      resets: this.#resets,
      participants: participantSelectors.selectAll(s.control.participants).map((p) => ({ id: p.id, displayName: p.displayName, media: s.media.states[p.id] ?? null })),
      publisher: publisher ? this.#peerInfo(publisher) : null,
      subscriptions: Object.fromEntries(this.#subscriptions().map((c) => [c.target, this.#peerInfo(c)])),
      errors: this.#errors.slice(),
      camera: cameraSettings(this.#stream),
    };
  }

  async stats(): Promise<MediaPageStats> {
    const remote: MediaPageStats['remote'] = {};
    for (const connection of this.#subscriptions()) remote[connection.target] = await inboundStats(connection.pc);
    const publisher = this.#connections().find((c) => c.kind === 'camera' && c.target === null);
    return { id: this.#store.getState().control.me?.id ?? null, outbound: publisher ? await outboundStats(publisher.pc) : null, remote };
  }

  async leave(): Promise<{ closeCode: number | null }> {
    const session = this.#session;
    if (session === null) return { closeCode: this.#closeCode };
    if (this.#socket?.readyState === WebSocket.OPEN) {
      session.leave();
      const deadline = performance.now() + 3000;
      while (this.#closeCode === null && performance.now() < deadline) await sleep(50);
    }
    session.stop();
    return { closeCode: this.#closeCode };
  }

  setMicrophone(on: boolean): void {
    this.#requireSession().setMicrophone(on);
    if (on) this.#mutedBy = null;
  }

  setCamera(on: boolean): void {
    this.#requireSession().setCamera(on);
  }

  /** The wire protocol's layer choice; the web client has no control for it yet. */
  setLayer(target: string, substream: 0 | 1 | 2): void {
    this.#requireSession().send('media', { action: 'configure_subscription', target: ParticipantId.parse(target), kind: 'camera', substream });
  }

  timeline(): MediaPageTimeline {
    const publisher = this.#connections().find((c) => c.kind === 'camera' && c.target === null);
    const pcs = new Map(this.#subscriptions().map((c) => [c.target as string, c.pc]));
    const subscriptions: Record<string, PeerTimeline> = {};
    for (const [key, steps] of this.#steps) {
      if (key === publication) continue;
      const pc = pcs.get(key);
      subscriptions[key] = { ...steps.marks, ...(pc ? marksOf(pc) : {}) };
    }
    const published = this.#steps.get(publication);
    return {
      join: { ...this.#joinMarks },
      publisher: published || publisher ? { ...published?.marks, ...(publisher ? marksOf(publisher.pc) : {}) } : null,
      subscriptions,
    };
  }

  // --- the wire

  #received(frame: unknown): void {
    this.received.push(frame);
    const event = AnyEvent.safeParse(frame);
    if (!event.success) {
      this.note('frame is not an event');
      return;
    }
    const { namespace, payload } = event.data;
    const error = ErrorPayload.safeParse(payload);
    if (error.success) this.#errors.push({ namespace, error: error.data.error, text: error.data.text });
    if (namespace === 'control') this.#controlEvent(payload);
    else if (namespace === 'media') this.#mediaEvent(payload);
  }

  #controlEvent(payload: unknown): void {
    const parsed = ControlEvent.safeParse(payload);
    if (!parsed.success) return;
    const e = parsed.data;
    if (e.message === 'join_success') {
      this.#joinMarks.joinSuccess ??= now();
      const media = MediaJoinData.safeParse(e.modules.media);
      if (media.success) this.#ownMedia = media.data.states[e.id] ?? this.#ownMedia;
    } else if (e.message === 'join_blocked') {
      this.#blocked = e.reason;
    }
  }

  #mediaEvent(payload: unknown): void {
    const parsed = MediaEvent.safeParse(payload);
    if (!parsed.success) return;
    const e = parsed.data;
    switch (e.message) {
      case 'publish_answer':
        if (e.kind === 'camera') this.#step(publication).status = 'answered';
        break;
      case 'subscribe_offer':
        if (e.kind === 'camera') {
          const steps = this.#step(e.target);
          steps.status = 'offered';
          steps.marks.offerReceived ??= now();
        }
        break;
      case 'subscribed':
        if (e.kind === 'camera') {
          const steps = this.#step(e.target);
          steps.status = 'subscribed';
          steps.marks.subscribed ??= now();
        }
        break;
      case 'candidate':
        if (e.kind === 'camera') this.#step(e.target ?? publication).remoteCandidates += 1;
        break;
      case 'media_state':
        if (e.participant === this.#store.getState().control.me?.id) this.#ownMedia = e.state;
        break;
      case 'muted':
        this.#mutedBy = e.by;
        break;
      case 'bridge_reset':
        this.#resets += 1;
        this.note('bridge reset', { reset: this.#resets });
        break;
      default:
        break;
    }
  }

  /** Notes each command; holds back local candidates outside `candidateAddressPrefixes`. */
  #sending(frame: unknown): boolean {
    const envelope = CommandEnvelope.safeParse(frame);
    if (!envelope.success) return true;
    const { namespace, payload } = envelope.data;
    const command = namespace === 'media' ? MediaCommand.safeParse(payload) : null;
    const c = command?.success === true ? command.data : null;
    const target = c !== null && 'target' in c ? c.target : undefined;
    if (c?.action === 'candidate' && c.kind === 'camera') {
      const steps = this.#step(c.target ?? publication);
      const prefixes = this.#options?.candidateAddressPrefixes ?? null;
      const address = c.candidate === null ? null : candidateAddress(c.candidate.candidate);
      if (prefixes !== null && address !== null && !prefixes.some((prefix) => address.startsWith(prefix))) {
        steps.filteredCandidates += 1;
        this.note('local candidate filtered', { target, address });
        return false;
      }
      steps.localCandidates += 1;
    } else if (c?.action === 'publish' && c.kind === 'camera') {
      this.#step(publication).status = 'offered';
    } else if (c?.action === 'subscribe' && c.kind === 'camera') {
      const steps = this.#step(c.target);
      steps.status = 'requested';
      steps.marks.subscribeSent ??= now();
    } else if (c?.action === 'subscribe_answer' && c.kind === 'camera') {
      const steps = this.#step(c.target);
      steps.status = 'answered';
      steps.marks.answerSent ??= now();
      if (this.#options?.timeline === true) this.#watchFirstFrame(c.target);
    }
    this.note('sent', { namespace, action: payload.action, ...(target === undefined ? {} : { target }) });
    return true;
  }

  #step(key: string): Steps {
    let steps = this.#steps.get(key);
    if (!steps) {
      steps = { status: null, localCandidates: 0, filteredCandidates: 0, remoteCandidates: 0, marks: {} };
      this.#steps.set(key, steps);
    }
    return steps;
  }

  // --- the client's connections

  #connections(): EngineConnection[] {
    return this.#session?.media.connections() ?? [];
  }

  #subscriptions(): (EngineConnection & { target: ParticipantId })[] {
    return this.#connections().filter((c): c is EngineConnection & { target: ParticipantId } => c.kind === 'camera' && c.target !== null);
  }

  #peerInfo(connection: EngineConnection): PeerInfo {
    const { pc } = connection;
    const steps = this.#step(connection.target ?? publication);
    const broken = pc.connectionState === 'failed' || pc.connectionState === 'closed';
    return {
      status: broken ? pc.connectionState : steps.status,
      connectionState: pc.connectionState,
      iceConnectionState: pc.iceConnectionState,
      signalingState: pc.signalingState,
      localCandidates: steps.localCandidates,
      filteredCandidates: steps.filteredCandidates,
      remoteCandidates: steps.remoteCandidates,
    };
  }

  /**
   * Marks `firstFrame` on the subscription's connection once it decoded a video frame. Polls
   * getStats every 5 ms, which bounds the error of the mark, for at most 30 s.
   */
  #watchFirstFrame(target: ParticipantId): void {
    const pc = this.#subscriptions().find((c) => c.target === target)?.pc;
    if (!pc) return;
    const marks = marksOf(pc);
    const started = now();
    const check = async (): Promise<void> => {
      if (marks.firstFrame !== undefined || pc.connectionState === 'closed') return;
      if ((await inboundStats(pc)).framesDecoded > 0) {
        marks.firstFrame ??= now();
        return;
      }
      if (now() - started < 30_000) setTimeout(() => void check(), 5);
    };
    void check();
  }

  #render(): void {
    const session = this.#session;
    if (session === null) return;
    const participants = this.#store.getState().control.participants;
    this.#tiles.render(
      this.#subscriptions().flatMap(({ target }) => {
        const stream = session.media.remoteStream(target, 'camera');
        const displayName = participantSelectors.selectById(participants, target)?.displayName ?? target;
        return stream ? [{ id: target, displayName, stream }] : [];
      }),
    );
  }

  #whenJoined(timeoutMs: number): Promise<{ id: string; participants: string[] }> {
    return new Promise((resolve, reject) => {
      const finish = (error: Error | null, value?: { id: string; participants: string[] }) => {
        clearTimeout(timer);
        this.#joinCheck = null;
        if (error !== null) reject(error);
        else if (value) resolve(value);
      };
      const timer = setTimeout(() => finish(new Error(`no join_success within ${timeoutMs} ms`)), timeoutMs);
      this.#joinCheck = () => {
        const { control } = this.#store.getState();
        if (control.phase === 'joined' && control.me) {
          finish(null, { id: control.me.id, participants: participantSelectors.selectIds(control.participants) });
        } else if (control.phase === 'ended') {
          finish(new Error(`the meeting ended before it began: ${control.endReason ?? '?'}${control.error === null ? '' : ` (${control.error})`}`));
        } else if (this.#closeCode !== null) {
          finish(new Error(`socket closed with ${this.#closeCode} before join_success`));
        }
      };
    });
  }

  #requireSession(): ConferenceSession {
    if (this.#session === null) throw new Error('join() first');
    return this.#session;
  }
}
