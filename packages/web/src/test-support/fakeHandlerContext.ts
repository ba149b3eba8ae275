import type { ParticipantId } from '@plenum/protocol';
import type { UnknownAction } from '@reduxjs/toolkit';
import { vi } from 'vitest';
import type { AppDispatch } from '../app/store.js';
import type { MediaEngine } from '../features/media/mediaEngine.js';
import type { HandlerContext } from '../signaling/handlerContext.js';

/** A HandlerContext that records dispatched actions and every call into the session and media engine. */
export function fakeHandlerContext(myId: ParticipantId | null) {
  const actions: UnknownAction[] = [];
  const media = {
    onPublishAnswer: vi.fn(),
    onSubscribeOffer: vi.fn(),
    onCandidate: vi.fn(),
    requestSubscription: vi.fn(),
    unsubscribe: vi.fn(),
    removeParticipant: vi.fn(),
    resubscribe: vi.fn(),
    setIce: vi.fn(),
  };
  const session = {
    joined: vi.fn(),
    ending: vi.fn(),
    refreshTokenNow: vi.fn(),
    localMicForcedOff: vi.fn(),
    bridgeReset: vi.fn(),
  };
  /** What the handler passed on to be shown or logged; not counted by `effects`. */
  const reports = {
    serverError: vi.fn(),
    unrecognized: vi.fn(),
  };
  const dispatch = (action: UnknownAction) => {
    actions.push(action);
    return action;
  };
  const ctx: HandlerContext = {
    // Handlers dispatch plain actions only; the recorder needs none of a store's thunk typing.
    dispatch: dispatch as unknown as AppDispatch,
    myId: () => myId,
    media: media as unknown as MediaEngine,
    ...session,
    ...reports,
  };
  /** How many calls anything received: 0 means the event was ignored. */
  const effects = () => actions.length + [...Object.values(media), ...Object.values(session)].reduce((sum, fn) => sum + fn.mock.calls.length, 0);
  return { ctx, actions, media, session, reports, effects };
}

/** Payloads no handler may act on: not objects, unknown messages, wrong field types. */
export const hostilePayloads: unknown[] = [
  null,
  undefined,
  42,
  'join_success',
  [],
  {},
  { message: 'no_such_message' },
  { message: 42 },
  { message: 'error', error: 'no_such_code', text: 'x' },
  { message: '__proto__' },
  { message: 'constructor' },
];
