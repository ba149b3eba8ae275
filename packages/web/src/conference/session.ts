import { MediaJoinData, closeCodes, type AnyEvent, type JoinSuccess, type ParticipantId } from '@plenum/protocol';
import type { User } from 'oidc-client-ts';
import type { AppDispatch, RootState } from '../app/store.js';
import { failureText } from '../api/rest.js';
import { auth } from '../auth/oidc.js';
import { chatJoined } from '../features/chat/chatSlice.js';
import { eventHandler } from '../features/eventHandlers.js';
import { connecting, ended, joinSucceeded, noticeShown, reconnecting, type EndReason } from '../features/control/controlSlice.js';
import { MediaEngine } from '../features/media/mediaEngine.js';
import { followMediaState } from '../features/media/mediaHandlers.js';
import { bridgeStatusChanged, localMediaChanged, mediaJoined, qualityMeasured } from '../features/media/mediaSlice.js';
import { moderationJoined } from '../features/moderation/moderationSlice.js';
import { SignalingConnection, type Commands, type Namespace } from '../signaling/connection.js';
import type { HandlerContext } from '../signaling/handlerContext.js';
import { ErrorReporter } from './errorReporter.js';
import { refreshGuestToken, requestTicket, type Entry, type Ticket } from './ticket.js';

const closeReasons = new Map<number, EndReason>([
  [closeCodes.left, 'left'],
  [closeCodes.tokenExpired, 'token_expired'],
  [closeCodes.banned, 'banned'],
  [closeCodes.kicked, 'kicked'],
  [closeCodes.meetingEnded, 'meeting_ended'],
  [closeCodes.denied, 'denied'],
  [closeCodes.replaced, 'replaced'],
  [closeCodes.joinTimeout, 'failed'],
]);
const qualityIntervalMs = 2000;
const maxReconnectDelayMs = 10_000;
/** Refresh a guest token this long before it expires. */
const guestRefreshLeadMs = 60_000;

/** Where a session gets its tickets and its socket; every default is the app's own. */
export interface SessionOptions {
  /** A fresh single-use ticket for each connection and reconnection; default `requestTicket` (this origin's REST API). */
  requestTicket?: (entry: Entry) => Promise<Ticket>;
  /** The signaling endpoint; default `/v1/signaling` on this page's origin. */
  signalingUrl?: string;
}

/**
 * One meeting from the join button to the end: the signaling connection (the only socket of
 * the app), the media engine, reconnection with resumption, and token refresh.
 */
export class ConferenceSession {
  readonly media: MediaEngine;
  /** Server errors, media failures and unknown events: shown as notices and logged, never dropped. */
  readonly #errors: ErrorReporter;
  #connection: SignalingConnection | null = null;
  #myId: ParticipantId | null = null;
  #resumption: string | undefined;
  #guest: { token: string; expiresAt: number } | undefined;
  #guestTimer: ReturnType<typeof setTimeout> | null = null;
  #qualityTimer: ReturnType<typeof setInterval> | null = null;
  #reconnectAttempt = 0;
  #ending: EndReason | null = null;
  #stopped = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #onUserLoaded = (user: User) => this.#sendToken(user.access_token);
  readonly #onOffline = () => this.#connection?.abandon();
  /** Back online: try now rather than at the end of the back-off. */
  readonly #onOnline = () => {
    this.media.networkChanged();
    if (this.#reconnectTimer === null) return;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    void this.#connect();
  };

  constructor(
    private readonly dispatch: AppDispatch,
    private readonly getState: () => RootState,
    private readonly entry: Entry,
    private readonly options: SessionOptions = {},
  ) {
    this.#errors = new ErrorReporter(dispatch);
    this.media = new MediaEngine(
      (command) => this.send('media', command),
      (what, error) => this.#errors.mediaFailure(what, error),
    );
  }

  /** Starts with the lobby's devices; `stream` may be null when the user joins without any. */
  async start(stream: MediaStream | null): Promise<void> {
    this.media.setCamera(stream);
    if (this.entry.kind === 'user') auth().events.addUserLoaded(this.#onUserLoaded);
    this.#qualityTimer = setInterval(() => void this.#measure(), qualityIntervalMs);
    window.addEventListener('offline', this.#onOffline);
    window.addEventListener('online', this.#onOnline);
    await this.#connect();
  }

  send<N extends Namespace>(namespace: N, payload: Commands[N]): void {
    this.#connection?.send(namespace, payload);
  }

  get myId(): ParticipantId | null {
    return this.#myId;
  }

  setMicrophone(on: boolean): void {
    this.media.setTrackEnabled('audio', on);
    this.dispatch(localMediaChanged(on ? { audio: true, forceMuted: false } : { audio: false }));
    this.#announceMediaState();
  }

  setCamera(on: boolean): void {
    this.media.setTrackEnabled('video', on);
    this.dispatch(localMediaChanged({ video: on }));
    this.#announceMediaState();
  }

  async startScreenShare(): Promise<void> {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { max: 10 }, width: { max: 1920 }, height: { max: 1080 } }, audio: false });
    const [track] = stream.getVideoTracks();
    track?.addEventListener('ended', () => this.stopScreenShare());
    this.media.publishScreen(stream);
    this.dispatch(localMediaChanged({ screen: true }));
  }

  stopScreenShare(): void {
    if (!this.getState().media.local.screen) return;
    this.media.stopScreen();
    this.dispatch(localMediaChanged({ screen: false }));
  }

  /** Leaves for good; the controller closes the socket with `left`. */
  leave(): void {
    this.#ending = 'left';
    this.send('control', { action: 'leave' });
    setTimeout(() => this.#finish('left'), 1000);
  }

  /** Drops everything: peer connections, devices, timers, the socket. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.entry.kind === 'user') auth().events.removeUserLoaded(this.#onUserLoaded);
    if (this.#qualityTimer !== null) clearInterval(this.#qualityTimer);
    if (this.#guestTimer !== null) clearTimeout(this.#guestTimer);
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer);
    window.removeEventListener('offline', this.#onOffline);
    window.removeEventListener('online', this.#onOnline);
    this.#connection?.close();
    this.#connection = null;
    this.media.close();
  }

  #isStopped(): boolean {
    return this.#stopped;
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    this.dispatch(this.#reconnectAttempt === 0 ? connecting() : reconnecting());
    let ticket;
    try {
      ticket = await (this.options.requestTicket ?? requestTicket)(this.entry);
    } catch (error) {
      if (this.#reconnectAttempt > 0) return this.#scheduleReconnect();
      return this.#finish('failed', failureText(error));
    }
    if (ticket.guest) this.#setGuestToken(ticket.guest);
    if (this.#isStopped()) return;
    const connection = new SignalingConnection(
      ticket.ticket,
      {
        onOpen: () => connection.send('control', { action: 'join', displayName: this.entry.displayName, ...(this.#resumption ? { resumption: this.#resumption } : {}) }),
        onEvent: (event) => this.#onEvent(event),
        onClose: (code) => this.#onClose(connection, code),
      },
      this.options.signalingUrl,
    );
    this.#connection = connection;
  }

  #onEvent(event: AnyEvent): void {
    const handle = eventHandler(event.namespace);
    if (!handle) return this.#errors.unrecognized(event.namespace, event.payload);
    handle(event.payload, this.#context());
  }

  #onClose(connection: SignalingConnection, code: number): void {
    if (connection !== this.#connection || this.#stopped) return;
    this.#connection = null;
    const reason = this.#ending ?? closeReasons.get(code);
    if (reason) return this.#finish(reason);
    // A restart of the controller: the others saw us leave, so join afresh.
    if (code === closeCodes.serverShutdown) this.#resumption = undefined;
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    this.dispatch(reconnecting());
    const delay = Math.min(maxReconnectDelayMs, 500 * 2 ** this.#reconnectAttempt);
    this.#reconnectAttempt += 1;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      void this.#connect();
    }, delay);
  }

  #finish(reason: EndReason, error?: string): void {
    if (this.#stopped) return;
    this.dispatch(ended(error === undefined ? { reason } : { reason, error }));
    this.stop();
  }

  #context(): HandlerContext {
    return {
      dispatch: this.dispatch,
      myId: () => this.#myId,
      media: this.media,
      joined: (join) => this.#joined(join),
      ending: (reason) => {
        this.#ending = reason;
      },
      refreshTokenNow: () => void this.#refreshNow(),
      localMicForcedOff: () => {
        this.media.setTrackEnabled('audio', false);
        this.dispatch(localMediaChanged({ audio: false, forceMuted: true }));
        this.dispatch(noticeShown('youMutedBy'));
      },
      bridgeReset: () => {
        this.dispatch(bridgeStatusChanged('resetting'));
        const local = this.getState().media.local;
        this.media.resetAfterBridgeLoss(local.audio, local.video);
      },
      serverError: (namespace, error) => this.#errors.serverError(namespace, error),
      unrecognized: (namespace, payload) => this.#errors.unrecognized(namespace, payload),
    };
  }

  #joined(join: JoinSuccess): void {
    const resumed = this.#reconnectAttempt > 0;
    this.#myId = join.id;
    this.#resumption = join.resumption;
    this.#reconnectAttempt = 0;
    this.dispatch(joinSucceeded(join));
    this.dispatch(chatJoined(join));
    this.dispatch(moderationJoined(join));
    this.dispatch(mediaJoined({ join }));
    // TURN credentials stay out of Redux: only the media engine holds them.
    const media = MediaJoinData.safeParse(join.modules.media);
    if (media.success) this.media.setIce(media.data.ice);
    const local = this.getState().media.local;
    // After a reconnect the old peer connections may be gone at the bridge: start afresh.
    if (resumed) this.media.resetAfterBridgeLoss(local.audio, local.video);
    else this.media.publishCamera(local.audio, local.video);
    if (local.screen) {
      const screen = this.media.screenStream();
      if (screen && !resumed) this.media.publishScreen(screen);
    }
    for (const [id, state] of Object.entries(this.getState().media.states)) followMediaState(this.media, id as ParticipantId, state);
  }

  #announceMediaState(): void {
    const local = this.getState().media.local;
    if (this.#myId !== null) this.send('media', { action: 'update_media_state', audio: local.audio, video: local.video });
  }

  #sendToken(token: string): void {
    if (this.#myId !== null) this.send('control', { action: 'refresh_token', token });
  }

  async #refreshNow(): Promise<void> {
    try {
      if (this.entry.kind === 'user') {
        const user = await auth().signinSilent();
        if (user) this.#sendToken(user.access_token);
      } else if (this.#guest) {
        this.#setGuestToken(await refreshGuestToken(this.entry.roomId, this.#guest.token));
        this.#sendToken(this.#guest.token);
      }
    } catch {
      // The controller closes with `token_expired` after its grace period; that state is shown then.
    }
  }

  #setGuestToken(guest: { token: string; expiresAt: number }): void {
    this.#guest = guest;
    if (this.#guestTimer !== null) clearTimeout(this.#guestTimer);
    const wait = Math.max(1000, guest.expiresAt - Date.now() - guestRefreshLeadMs);
    this.#guestTimer = setTimeout(() => void this.#refreshNow(), wait);
  }

  async #measure(): Promise<void> {
    if (this.getState().control.phase !== 'joined') return;
    this.dispatch(qualityMeasured(await this.media.measure()));
  }
}
