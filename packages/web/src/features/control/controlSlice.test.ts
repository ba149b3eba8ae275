import { describe, expect, it } from 'vitest';
import { conferenceReset } from '../../app/conferenceActions.js';
import { ids, joinSuccess, participant } from '../../test-support/factories.js';
import {
  connecting,
  controlSlice,
  ended,
  joinSucceeded,
  noticeCleared,
  noticeShown,
  participantJoined,
  participantLeft,
  participantSelectors,
  participantUpdated,
  reconnecting,
  waiting,
} from './controlSlice.js';

const reduce = controlSlice.reducer;
const joinedState = () => reduce(undefined, joinSucceeded(joinSuccess({ role: 'moderator' })));
const names = (state: ReturnType<typeof reduce>) => participantSelectors.selectAll(state.participants).map((p) => p.displayName);

describe('controlSlice', () => {
  it('join_success sets me, the room and the others, and nothing else of theirs', () => {
    const state = joinedState();
    expect(state.phase).toBe('joined');
    expect(state.me).toEqual({ id: ids.me, displayName: 'Me Myself', role: 'moderator', handRaised: false });
    expect(state.room).toEqual({ id: '6b0f2c1e-4a8d-4c3b-9e2f-1a7d5c9b3e40', name: 'Weekly planning' });
    expect(names(state)).toEqual(['Alice Adams', 'Bob Brown']);
    // Only what the screen shows: no user ID, no join time, no module data.
    expect(participantSelectors.selectById(state.participants, ids.alice)).toEqual({
      id: ids.alice,
      displayName: 'Alice Adams',
      role: 'moderator',
      handRaised: false,
    });
  });

  it('a second join_success (reconnect) replaces the participant list instead of merging', () => {
    const before = joinedState();
    const after = reduce(before, joinSucceeded(joinSuccess({ participants: [participant(ids.carol, 'Carol Clark')] })));
    expect(names(after)).toEqual(['Carol Clark']);
  });

  it('joined adds a participant, sorted by name', () => {
    const state = reduce(joinedState(), participantJoined(participant(ids.carol, 'Aaron Early')));
    expect(names(state)).toEqual(['Aaron Early', 'Alice Adams', 'Bob Brown']);
  });

  it('update changes another participant, or me when it is about me', () => {
    let state = reduce(joinedState(), participantUpdated(participant(ids.bob, 'Bob Brown', 'moderator', true)));
    expect(participantSelectors.selectById(state.participants, ids.bob)).toMatchObject({ role: 'moderator', handRaised: true });
    state = reduce(state, participantUpdated(participant(ids.me, 'Me Myself', 'user', true)));
    expect(state.me).toMatchObject({ role: 'user', handRaised: true });
    // I am never listed among the others.
    expect(participantSelectors.selectIds(state.participants)).not.toContain(ids.me);
  });

  it('left removes the participant', () => {
    const state = reduce(joinedState(), participantLeft(ids.alice));
    expect(names(state)).toEqual(['Bob Brown']);
  });

  it('ended records the reason and clears the participants at once', () => {
    const state = reduce(joinedState(), ended({ reason: 'kicked' }));
    expect(state.phase).toBe('ended');
    expect(state.endReason).toBe('kicked');
    expect(state.error).toBeNull();
    expect(participantSelectors.selectTotal(state.participants)).toBe(0);
    expect(reduce(state, ended({ reason: 'failed', error: 'no ticket' })).error).toBe('no ticket');
  });

  it('reconnecting does not revive an ended meeting', () => {
    expect(reduce(joinedState(), reconnecting()).phase).toBe('reconnecting');
    expect(reduce(reduce(joinedState(), ended({ reason: 'left' })), reconnecting()).phase).toBe('ended');
  });

  it('connecting clears the previous end reason and error; waiting sets the phase', () => {
    const endedState = reduce(joinedState(), ended({ reason: 'failed', error: 'boom' }));
    const state = reduce(endedState, connecting());
    expect(state).toMatchObject({ phase: 'connecting', endReason: null, error: null });
    expect(reduce(state, waiting()).phase).toBe('waiting');
  });

  it('notices are shown and cleared', () => {
    const state = reduce(joinedState(), noticeShown('tokenRefreshed'));
    expect(state.notice).toEqual({ key: 'tokenRefreshed', tone: 'info' });
    expect(reduce(state, noticeCleared()).notice).toBeNull();
  });

  it('an error notice keeps its key and tone only', () => {
    const state = reduce(joinedState(), noticeShown({ key: 'errorRateLimited', tone: 'error' }));
    expect(state.notice).toEqual({ key: 'errorRateLimited', tone: 'error' });
  });

  it('conferenceReset drops everything about the room', () => {
    const state = reduce(reduce(joinedState(), noticeShown('youMutedBy')), conferenceReset());
    expect(state).toEqual(reduce(undefined, { type: 'init' }));
    expect(state.me).toBeNull();
    expect(state.room).toBeNull();
    expect(participantSelectors.selectTotal(state.participants)).toBe(0);
  });
});
