// @vitest-environment jsdom
import type { Role } from '@plenum/protocol';
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { makeStore } from '../../app/store.js';
import { ids, joinSuccess, participant } from '../../test-support/factories.js';
import { fakeSession, renderWithStore } from '../../test-support/renderWithStore.js';
import { mediaStateReceived } from '../media/mediaSlice.js';
import { joinedWaitingRoom, waitingRoomChanged } from '../moderation/moderationSlice.js';
import { ParticipantsPanel } from './ParticipantsPanel.js';
import { joinSucceeded } from './controlSlice.js';

afterEach(cleanup);

function setup(myRole: Role) {
  const store = makeStore();
  store.dispatch(
    joinSucceeded(
      joinSuccess({
        role: myRole,
        participants: [participant(ids.alice, 'Alice Adams', 'moderator'), participant(ids.bob, 'Bob Brown', 'guest', true)],
      }),
    ),
  );
  const fake = fakeSession();
  const view = renderWithStore(<ParticipantsPanel />, { store, session: fake.session });
  const row = (id: string) => {
    const element = view.container.querySelector<HTMLElement>(`li[data-participant="${id}"]`);
    if (!element) throw new Error(`no row for ${id}`);
    return element;
  };
  return { ...view, store, sent: fake.sent, row };
}

const moderatorActions = /^(Mute|Remove|Ban|Make moderator|Revoke moderator):/;

describe('ParticipantsPanel', () => {
  it('lists me first, then the others with role and raised hand', () => {
    const { container, row } = setup('user');
    const names = [...container.querySelectorAll('.participant-name')].map((e) => e.textContent);
    expect(names).toEqual(['Me Myself (you)', 'Alice Adams', 'Bob Brown']);
    expect(row(ids.alice).textContent).toContain('Moderator');
    expect(within(row(ids.bob)).getByLabelText('Hand raised')).toBeTruthy();
    expect(within(row(ids.alice)).queryByLabelText('Hand raised')).toBeNull();
  });

  it('shows no moderator actions and no waiting list to a user', () => {
    const { store } = setup('user');
    act(() => {
      store.dispatch(waitingRoomChanged(true));
      store.dispatch(joinedWaitingRoom(participant(ids.carol, 'Carol Clark')));
    });
    expect(screen.queryAllByRole('button')).toEqual([]);
    expect(screen.queryByText('Carol Clark')).toBeNull();
    expect(screen.queryByRole('checkbox')).toBeNull();
  });

  it('shows a moderator the actions for everyone but themself', () => {
    const { row } = setup('moderator');
    expect(within(row(ids.me)).queryAllByRole('button')).toEqual([]);
    const aliceActions = within(row(ids.alice))
      .getAllByRole('button')
      .map((b) => b.getAttribute('aria-label'));
    expect(aliceActions).toEqual(['Mute: Alice Adams', 'Revoke moderator: Alice Adams', 'Remove: Alice Adams', 'Ban: Alice Adams']);
    expect(screen.getAllByRole('button', { name: moderatorActions })).toHaveLength(8);
    expect(screen.getByRole('button', { name: 'Make moderator: Bob Brown' })).toBeTruthy();
  });

  it('Mute sends a media mute for that participant', () => {
    const { sent } = setup('moderator');
    fireEvent.click(screen.getByRole('button', { name: 'Mute: Bob Brown' }));
    expect(sent).toEqual([{ namespace: 'media', payload: { action: 'mute', targets: [ids.bob] } }]);
  });

  it('the other moderator actions send their commands for that participant', () => {
    const { sent } = setup('moderator');
    fireEvent.click(screen.getByRole('button', { name: 'Make moderator: Bob Brown' }));
    fireEvent.click(screen.getByRole('button', { name: 'Revoke moderator: Alice Adams' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove: Bob Brown' }));
    fireEvent.click(screen.getByRole('button', { name: 'Ban: Alice Adams' }));
    expect(sent).toEqual([
      { namespace: 'control', payload: { action: 'grant_moderator', target: ids.bob } },
      { namespace: 'control', payload: { action: 'revoke_moderator', target: ids.alice } },
      { namespace: 'moderation', payload: { action: 'kick', target: ids.bob } },
      { namespace: 'moderation', payload: { action: 'ban', target: ids.alice } },
    ]);
  });

  it('shows muted microphones, says who muted them, and disables Mute for them', () => {
    const { store, row } = setup('moderator');
    act(() => {
      store.dispatch(mediaStateReceived({ participant: ids.alice, state: { audio: false, video: false, screen: false, forceMuted: false }, mine: false }));
      store.dispatch(mediaStateReceived({ participant: ids.bob, state: { audio: false, video: true, screen: false, forceMuted: true }, mine: false }));
    });
    expect(within(row(ids.alice)).getByLabelText('Microphone off')).toBeTruthy();
    expect(within(row(ids.alice)).getByLabelText('Camera off')).toBeTruthy();
    expect(within(row(ids.bob)).getByLabelText('Muted by a moderator')).toBeTruthy();
    expect(within(row(ids.bob)).queryByLabelText('Camera off')).toBeNull();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Mute: Bob Brown' }).disabled).toBe(true);
  });

  it('gives a moderator the waiting list with admit and deny, and the waiting room switch', () => {
    const { store, sent } = setup('moderator');
    act(() => {
      store.dispatch(waitingRoomChanged(true));
      store.dispatch(joinedWaitingRoom(participant(ids.carol, 'Carol Clark')));
    });
    fireEvent.click(screen.getByRole('button', { name: 'Admit: Carol Clark' }));
    fireEvent.click(screen.getByRole('button', { name: 'Deny: Carol Clark' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Waiting room on' }));
    expect(sent).toEqual([
      { namespace: 'moderation', payload: { action: 'accept', target: ids.carol } },
      { namespace: 'moderation', payload: { action: 'deny', target: ids.carol } },
      { namespace: 'moderation', payload: { action: 'disable_waiting_room' } },
    ]);
  });

  it('renders nothing before I have joined', () => {
    const { container } = renderWithStore(<ParticipantsPanel />, { store: makeStore(), session: fakeSession().session });
    expect(container.innerHTML).toBe('');
  });
});
