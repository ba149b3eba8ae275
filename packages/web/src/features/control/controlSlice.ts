import type { JoinSuccess, Participant, ParticipantId, Role } from '@plenum/protocol';
import { createEntityAdapter, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { conferenceReset } from '../../app/conferenceActions.js';
import type { MessageKey } from '../../i18n/messages.js';

/** What the screen shows of a participant; nothing else of theirs is kept. */
export interface ParticipantView {
  id: ParticipantId;
  displayName: string;
  role: Role;
  handRaised: boolean;
}

export type Phase = 'idle' | 'connecting' | 'waiting' | 'joined' | 'reconnecting' | 'ended';
export type EndReason = 'left' | 'kicked' | 'banned' | 'meeting_ended' | 'denied' | 'replaced' | 'token_expired' | 'failed';

/**
 * A short message for the user. Only a message key and its tone are kept: no server text, no
 * codes, nothing a participant said, so the sentence is always the app's own, in the user's language.
 */
export interface Notice {
  /** The sentence shown. */
  key: MessageKey;
  /** `error`: something failed and is announced as an alert; `info` (default): a plain status. */
  tone: 'info' | 'error';
}

export function toView(participant: Participant): ParticipantView {
  return { id: participant.id, displayName: participant.displayName, role: participant.role, handRaised: participant.handRaised };
}

const participants = createEntityAdapter<ParticipantView>({
  sortComparer: (a, b) => a.displayName.localeCompare(b.displayName),
});

interface ControlState {
  phase: Phase;
  endReason: EndReason | null;
  error: string | null;
  me: ParticipantView | null;
  room: { id: string; name: string } | null;
  participants: ReturnType<typeof participants.getInitialState>;
  /** A short message for the user, e.g. "session renewed" or "could not send your video". */
  notice: Notice | null;
}

const initialState: ControlState = {
  phase: 'idle',
  endReason: null,
  error: null,
  me: null,
  room: null,
  participants: participants.getInitialState(),
  notice: null,
};

export const controlSlice = createSlice({
  name: 'control',
  initialState,
  reducers: {
    connecting(state) {
      state.phase = 'connecting';
      state.endReason = null;
      state.error = null;
    },
    waiting(state) {
      state.phase = 'waiting';
    },
    joinSucceeded(state, action: PayloadAction<JoinSuccess>) {
      const join = action.payload;
      state.phase = 'joined';
      state.me = { id: join.id, displayName: join.displayName, role: join.role, handRaised: false };
      state.room = { id: join.room.id, name: join.room.name };
      state.participants = participants.setAll(participants.getInitialState(), join.participants.map(toView));
    },
    participantJoined(state, action: PayloadAction<Participant>) {
      participants.setOne(state.participants, toView(action.payload));
    },
    participantUpdated(state, action: PayloadAction<Participant>) {
      const view = toView(action.payload);
      if (state.me?.id === view.id) state.me = view;
      else participants.setOne(state.participants, view);
    },
    participantLeft(state, action: PayloadAction<ParticipantId>) {
      participants.removeOne(state.participants, action.payload);
    },
    reconnecting(state) {
      if (state.phase !== 'ended') state.phase = 'reconnecting';
    },
    ended(state, action: PayloadAction<{ reason: EndReason; error?: string }>) {
      state.phase = 'ended';
      state.endReason = action.payload.reason;
      state.error = action.payload.error ?? null;
      // The room's people are gone from the store as soon as the meeting is over for me.
      state.participants = participants.getInitialState();
    },
    /** A message key alone is an `info` notice. */
    noticeShown: {
      reducer(state, action: PayloadAction<Notice>) {
        state.notice = action.payload;
      },
      prepare: (notice: MessageKey | Notice) => ({ payload: typeof notice === 'string' ? { key: notice, tone: 'info' as const } : notice }),
    },
    noticeCleared(state) {
      state.notice = null;
    },
  },
  extraReducers: (builder) => builder.addCase(conferenceReset, () => initialState),
  selectors: {
    selectPhase: (state) => state.phase,
    selectEndReason: (state) => state.endReason,
    selectControlError: (state) => state.error,
    selectMe: (state) => state.me,
    selectRoom: (state) => state.room,
    selectNotice: (state) => state.notice,
    selectParticipantState: (state) => state.participants,
  },
});

export const {
  connecting,
  waiting,
  joinSucceeded,
  participantJoined,
  participantUpdated,
  participantLeft,
  reconnecting,
  ended,
  noticeShown,
  noticeCleared,
} = controlSlice.actions;

export const { selectPhase, selectEndReason, selectControlError, selectMe, selectRoom, selectNotice, selectParticipantState } =
  controlSlice.selectors;

export const participantSelectors = participants.getSelectors();
