import { describe, expect, it } from 'vitest';
import { conferenceReset } from '../../app/conferenceActions.js';
import { chatMessage, ids, joinSuccess } from '../../test-support/factories.js';
import { chatEnabledChanged, chatJoined, chatPanelToggled, chatSlice, historyCleared, messageReceived } from './chatSlice.js';

const reduce = chatSlice.reducer;
const initial = () => reduce(undefined, { type: 'init' });
const fromAlice = (content: string) => messageReceived({ message: chatMessage(ids.alice, content), mine: false });

describe('chatSlice', () => {
  it('join_success brings the history and the enabled flag', () => {
    const history = [chatMessage(ids.alice, 'hello'), chatMessage(ids.me, 'hi')];
    const state = reduce(initial(), chatJoined(joinSuccess({ modules: { chat: { enabled: false, history } } })));
    expect(state.enabled).toBe(false);
    expect(state.messages.map((m) => m.content)).toEqual(['hello', 'hi']);
  });

  it('join data that does not match the schema changes nothing', () => {
    const state = reduce(initial(), chatJoined(joinSuccess({ modules: { chat: { enabled: 'yes', history: 'none' } } })));
    expect(state).toEqual(initial());
  });

  it('counts a message as unread only while the panel is closed and only when it is not mine', () => {
    let state = reduce(initial(), fromAlice('one'));
    state = reduce(state, messageReceived({ message: chatMessage(ids.me, 'mine'), mine: true }));
    expect(state.unread).toBe(1);
    state = reduce(state, chatPanelToggled(true));
    expect(state.unread).toBe(0);
    state = reduce(state, fromAlice('seen while open'));
    expect(state.unread).toBe(0);
    state = reduce(state, chatPanelToggled(false));
    state = reduce(state, fromAlice('two'));
    state = reduce(state, fromAlice('three'));
    expect(state.unread).toBe(2);
    expect(state.messages).toHaveLength(5);
  });

  it('keeps only the newest 300 messages, from the socket and from the join history', () => {
    let state = initial();
    for (let i = 0; i < 305; i += 1) state = reduce(state, fromAlice(`m${i}`));
    expect(state.messages).toHaveLength(300);
    expect(state.messages[0]?.content).toBe('m5');
    expect(state.messages.at(-1)?.content).toBe('m304');

    const history = Array.from({ length: 320 }, (_, i) => chatMessage(ids.alice, `h${i}`));
    const joined = reduce(initial(), chatJoined(joinSuccess({ modules: { chat: { enabled: true, history } } })));
    expect(joined.messages).toHaveLength(300);
    expect(joined.messages[0]?.content).toBe('h20');
  });

  it('chat_enabled and chat_disabled switch the flag', () => {
    const off = reduce(initial(), chatEnabledChanged(false));
    expect(off.enabled).toBe(false);
    expect(reduce(off, chatEnabledChanged(true)).enabled).toBe(true);
  });

  it('history_cleared empties the messages and the unread count', () => {
    const state = reduce(reduce(initial(), fromAlice('x')), historyCleared());
    expect(state.messages).toEqual([]);
    expect(state.unread).toBe(0);
  });

  it('conferenceReset drops messages, unread count and panel state', () => {
    let state = reduce(initial(), fromAlice('secret'));
    state = reduce(state, chatEnabledChanged(false));
    state = reduce(state, conferenceReset());
    expect(state).toEqual({ enabled: true, messages: [], unread: 0, panelOpen: false });
  });
});
