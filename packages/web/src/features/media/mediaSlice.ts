import { MediaJoinData, type JoinSuccess, type MediaState } from '@plenum/protocol';
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { conferenceReset } from '../../app/conferenceActions.js';
import type { LinkStats } from './quality.js';


/** Screen layout of the conference. */
export type Layout = 'grid' | 'speaker';

interface LocalMedia {
  audio: boolean;
  video: boolean;
  screen: boolean;
  forceMuted: boolean;
}

interface MediaSliceState {
  /** Everyone else's media state, by participant ID. */
  states: Record<string, MediaState>;
  local: LocalMedia;
  /** The participant speaking most recently, from the bridge's audio levels. */
  activeSpeaker: string | null;
  speaking: Record<string, boolean>;
  /** Per subscribed participant, from getStats. */
  quality: Record<string, LinkStats>;
  bridge: 'ok' | 'resetting';
  layout: Layout;
}

const initialState: MediaSliceState = {
  states: {},
  local: { audio: true, video: true, screen: false, forceMuted: false },
  activeSpeaker: null,
  speaking: {},
  quality: {},
  bridge: 'ok',
  layout: 'grid',
};

function without<T>(record: Record<string, T>, id: string): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => key !== id));
}

export const mediaSlice = createSlice({
  name: 'media',
  initialState,
  reducers: {
    mediaJoined(state, action: PayloadAction<{ join: JoinSuccess }>) {
      const data = MediaJoinData.safeParse(action.payload.join.modules.media);
      if (!data.success) return;
      const myId = action.payload.join.id;
      state.states = Object.fromEntries(Object.entries(data.data.states).filter(([id]) => id !== myId));
    },
    localMediaChanged(state, action: PayloadAction<Partial<LocalMedia>>) {
      Object.assign(state.local, action.payload);
    },
    mediaStateReceived(state, action: PayloadAction<{ participant: string; state: MediaState; mine: boolean }>) {
      const { participant, mine } = action.payload;
      if (mine) state.local.forceMuted = action.payload.state.forceMuted;
      else state.states[participant] = action.payload.state;
    },
    speakerChanged(state, action: PayloadAction<{ participant: string; speaking: boolean }>) {
      const { participant, speaking } = action.payload;
      if (speaking) {
        state.speaking[participant] = true;
        state.activeSpeaker = participant;
      } else {
        state.speaking = without(state.speaking, participant);
      }
    },
    qualityMeasured(state, action: PayloadAction<Record<string, LinkStats>>) {
      state.quality = action.payload;
    },
    participantMediaGone(state, action: PayloadAction<string>) {
      const id = action.payload;
      state.states = without(state.states, id);
      state.speaking = without(state.speaking, id);
      state.quality = without(state.quality, id);
      if (state.activeSpeaker === id) state.activeSpeaker = null;
    },
    bridgeStatusChanged(state, action: PayloadAction<'ok' | 'resetting'>) {
      state.bridge = action.payload;
    },
    layoutChosen(state, action: PayloadAction<Layout>) {
      state.layout = action.payload;
    },
  },
  extraReducers: (builder) => builder.addCase(conferenceReset, (state) => ({ ...initialState, layout: state.layout })),
  selectors: {
    selectMediaStates: (state) => state.states,
    selectLocalMedia: (state) => state.local,
    selectActiveSpeaker: (state) => state.activeSpeaker,
    selectSpeaking: (state) => state.speaking,
    selectQuality: (state) => state.quality,
    selectBridgeStatus: (state) => state.bridge,
    selectLayout: (state) => state.layout,
  },
});

export const {
  mediaJoined,
  localMediaChanged,
  mediaStateReceived,
  speakerChanged,
  qualityMeasured,
  participantMediaGone,
  bridgeStatusChanged,
  layoutChosen,
} = mediaSlice.actions;
export const {
  selectMediaStates,
  selectLocalMedia,
  selectActiveSpeaker,
  selectSpeaking,
  selectQuality,
  selectBridgeStatus,
  selectLayout,
} = mediaSlice.selectors;
