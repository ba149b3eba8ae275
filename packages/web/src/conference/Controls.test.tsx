// @vitest-environment jsdom
import type { Role } from '@plenum/protocol';
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeStore } from '../app/store.js';
import { messageReceived } from '../features/chat/chatSlice.js';
import { joinSucceeded } from '../features/control/controlSlice.js';
import { chatMessage, ids, joinSuccess } from '../test-support/factories.js';
import { fakeSession, renderWithStore } from '../test-support/renderWithStore.js';
import { Controls, type Panel } from './Controls.js';

beforeAll(() => {
  // jsdom has no media devices; the control bar asks whether screen sharing exists.
  Object.defineProperty(navigator, 'mediaDevices', { configurable: true, value: {} });
});

afterEach(cleanup);

function ControlsWithPanel() {
  const [panel, setPanel] = useState<Panel>(null);
  return <Controls panel={panel} onPanel={setPanel} />;
}

function setup(role: Role) {
  const store = makeStore();
  store.dispatch(joinSucceeded(joinSuccess({ role })));
  const fake = fakeSession();
  renderWithStore(<ControlsWithPanel />, { store, session: fake.session });
  const receive = () => {
    act(() => {
      store.dispatch(messageReceived({ message: chatMessage(ids.alice, 'hi'), mine: false }));
    });
  };
  return { store, sent: fake.sent, receive };
}

describe('Controls', () => {
  it('shows unread messages on the chat button until the chat is opened', () => {
    const { receive } = setup('user');
    receive();
    receive();
    expect(screen.getByLabelText('2 unread').textContent).toBe('2');
    fireEvent.click(screen.getByRole('button', { name: /^Chat/ }));
    expect(screen.queryByLabelText(/unread/)).toBeNull();
    // Messages arriving while the chat is open are read.
    receive();
    expect(screen.queryByLabelText(/unread/)).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: /^Chat/ }));
    receive();
    expect(screen.getByLabelText('1 unread')).toBeTruthy();
  });

  it('switching from the chat to the participants panel closes the chat for the unread count', () => {
    const { receive } = setup('user');
    fireEvent.click(screen.getByRole('button', { name: /^Chat/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Participants' }));
    receive();
    expect(screen.getByLabelText('1 unread')).toBeTruthy();
  });

  it('raises the hand through the session', () => {
    const { sent } = setup('user');
    fireEvent.click(screen.getByRole('button', { name: 'Raise hand' }));
    expect(sent).toEqual([{ namespace: 'control', payload: { action: 'raise_hand' } }]);
  });

  it('offers “end meeting for all” to moderators only', () => {
    setup('user');
    expect(screen.queryByRole('button', { name: 'End meeting for all' })).toBeNull();
    cleanup();
    const { sent } = setup('moderator');
    fireEvent.click(screen.getByRole('button', { name: 'End meeting for all' }));
    expect(sent).toEqual([{ namespace: 'moderation', payload: { action: 'end_meeting' } }]);
  });

  it('disables microphone and camera buttons without devices, and hides screen sharing where unsupported', () => {
    setup('user');
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Mute microphone' }).disabled).toBe(true);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Turn camera off' }).disabled).toBe(true);
    expect(screen.queryByRole('button', { name: 'Share screen' })).toBeNull();
  });
});
