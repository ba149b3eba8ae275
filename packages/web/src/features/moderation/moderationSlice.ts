import { ModerationJoinData, type JoinSuccess, type Participant } from '@plenum/protocol';
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { conferenceReset } from '../../app/conferenceActions.js';
import { toView, type ParticipantView } from '../control/controlSlice.js';

interface ModerationState {
  waitingRoomEnabled: boolean;
  /** Moderators only: who waits to be let in. */
  waitingList: ParticipantView[];
}

const initialState: ModerationState = { waitingRoomEnabled: false, waitingList: [] };

export const moderationSlice = createSlice({
  name: 'moderation',
  initialState,
  reducers: {
    moderationJoined(state, action: PayloadAction<JoinSuccess>) {
      const data = ModerationJoinData.safeParse(action.payload.modules.moderation);
      if (!data.success) return;
      state.waitingRoomEnabled = data.data.waitingRoomEnabled;
      state.waitingList = (data.data.waitingList ?? []).map(toView);
    },
    waitingRoomChanged(state, action: PayloadAction<boolean>) {
      state.waitingRoomEnabled = action.payload;
      if (!action.payload) state.waitingList = [];
    },
    joinedWaitingRoom(state, action: PayloadAction<Participant>) {
      state.waitingList = state.waitingList.filter((p) => p.id !== action.payload.id);
      state.waitingList.push(toView(action.payload));
    },
    leftWaitingRoom(state, action: PayloadAction<string>) {
      state.waitingList = state.waitingList.filter((p) => p.id !== action.payload);
    },
  },
  extraReducers: (builder) => builder.addCase(conferenceReset, () => initialState),
  selectors: {
    selectWaitingRoomEnabled: (state) => state.waitingRoomEnabled,
    selectWaitingList: (state) => state.waitingList,
  },
});

export const { moderationJoined, waitingRoomChanged, joinedWaitingRoom, leftWaitingRoom } = moderationSlice.actions;
export const { selectWaitingRoomEnabled, selectWaitingList } = moderationSlice.selectors;
