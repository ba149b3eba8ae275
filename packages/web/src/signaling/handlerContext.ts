import type { ErrorPayload, JoinSuccess, ParticipantId } from '@plenum/protocol';
import type { AppDispatch } from '../app/store.js';
import type { EndReason } from '../features/control/controlSlice.js';
import type { MediaEngine } from '../features/media/mediaEngine.js';
import type { Namespace } from './connection.js';

/** What a feature's signaling handlers may use. */
export interface HandlerContext {
  dispatch: AppDispatch;
  myId(): ParticipantId | null;
  media: MediaEngine;
  /** The session's reactions that span features. */
  joined(join: JoinSuccess): void;
  ending(reason: EndReason): void;
  refreshTokenNow(): void;
  localMicForcedOff(): void;
  bridgeReset(): void;
  /** A server `error` event of `namespace`: shown to the user as a notice and logged. */
  serverError(namespace: Namespace, error: ErrorPayload): void;
  /** A payload the namespace's schema rejects: logged; an `error` with a code unknown here is still shown. */
  unrecognized(namespace: Namespace, payload: unknown): void;
}
