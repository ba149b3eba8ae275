import type { JoinSuccess, ParticipantId } from '@plenum/protocol';
import type { AppDispatch } from '../app/store.js';
import type { EndReason } from '../features/control/controlSlice.js';
import type { MediaEngine } from '../features/media/mediaEngine.js';

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
}
