import { ChatJoinData, type ChatMessage, type JoinSuccess } from '@plenum/protocol';
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { conferenceReset } from '../../app/conferenceActions.js';

/** The client keeps no more than this many messages on screen. */
const maxMessages = 300;

interface ChatState {
  enabled: boolean;
  messages: ChatMessage[];
  unread: number;
  panelOpen: boolean;
}

const initialState: ChatState = { enabled: true, messages: [], unread: 0, panelOpen: false };

export const chatSlice = createSlice({
  name: 'chat',
  initialState,
  reducers: {
    chatJoined(state, action: PayloadAction<JoinSuccess>) {
      const data = ChatJoinData.safeParse(action.payload.modules.chat);
      if (!data.success) return;
      state.enabled = data.data.enabled;
      state.messages = data.data.history.slice(-maxMessages);
    },
    messageReceived(state, action: PayloadAction<{ message: ChatMessage; mine: boolean }>) {
      state.messages.push(action.payload.message);
      if (state.messages.length > maxMessages) state.messages.splice(0, state.messages.length - maxMessages);
      if (!state.panelOpen && !action.payload.mine) state.unread += 1;
    },
    chatEnabledChanged(state, action: PayloadAction<boolean>) {
      state.enabled = action.payload;
    },
    historyCleared(state) {
      state.messages = [];
      state.unread = 0;
    },
    chatPanelToggled(state, action: PayloadAction<boolean>) {
      state.panelOpen = action.payload;
      if (action.payload) state.unread = 0;
    },
  },
  extraReducers: (builder) => builder.addCase(conferenceReset, () => initialState),
  selectors: {
    selectChatEnabled: (state) => state.enabled,
    selectMessages: (state) => state.messages,
    selectUnread: (state) => state.unread,
    selectChatOpen: (state) => state.panelOpen,
  },
});

export const { chatJoined, messageReceived, chatEnabledChanged, historyCleared, chatPanelToggled } = chatSlice.actions;
export const { selectChatEnabled, selectMessages, selectUnread, selectChatOpen } = chatSlice.selectors;
