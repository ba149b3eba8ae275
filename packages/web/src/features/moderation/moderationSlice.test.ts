import { describe, expect, it } from 'vitest';
import { conferenceReset } from '../../app/conferenceActions.js';
import { ids, joinSuccess, participant } from '../../test-support/factories.js';
import { joinedWaitingRoom, leftWaitingRoom, moderationJoined, moderationSlice, waitingRoomChanged } from './moderationSlice.js';

const reduce = moderationSlice.reducer;
const initial = () => reduce(undefined, { type: 'init' });
const carol = participant(ids.carol, 'Carol Clark');

describe('moderationSlice', () => {
  it('join_success brings the waiting room flag and, for moderators, the waiting list as views', () => {
    const join = joinSuccess({ role: 'moderator', modules: { moderation: { waitingRoomEnabled: true, waitingList: [carol] } } });
    const state = reduce(initial(), moderationJoined(join));
    expect(state.waitingRoomEnabled).toBe(true);
    expect(state.waitingList).toEqual([{ id: ids.carol, displayName: 'Carol Clark', role: 'user', handRaised: false }]);
  });

  it('join data without a waiting list (not a moderator) leaves the list empty', () => {
    const state = reduce(initial(), moderationJoined(joinSuccess({ modules: { moderation: { waitingRoomEnabled: true } } })));
    expect(state).toEqual({ waitingRoomEnabled: true, waitingList: [] });
  });

  it('join data that does not match the schema changes nothing', () => {
    const state = reduce(initial(), moderationJoined(joinSuccess({ modules: { moderation: { waitingRoomEnabled: 'on' } } })));
    expect(state).toEqual(initial());
  });

  it('someone entering the waiting room twice is listed once, with the newest data', () => {
    let state = reduce(initial(), joinedWaitingRoom(carol));
    state = reduce(state, joinedWaitingRoom(participant(ids.bob, 'Bob Brown', 'guest')));
    state = reduce(state, joinedWaitingRoom(participant(ids.carol, 'Carol C.')));
    expect(state.waitingList.map((p) => p.displayName)).toEqual(['Bob Brown', 'Carol C.']);
  });

  it('left_waiting_room removes only that participant', () => {
    let state = reduce(initial(), joinedWaitingRoom(carol));
    state = reduce(state, joinedWaitingRoom(participant(ids.bob, 'Bob Brown', 'guest')));
    state = reduce(state, leftWaitingRoom(ids.carol));
    expect(state.waitingList.map((p) => p.id)).toEqual([ids.bob]);
  });

  it('disabling the waiting room admits everybody, so the list empties', () => {
    let state = reduce(initial(), waitingRoomChanged(true));
    state = reduce(state, joinedWaitingRoom(carol));
    expect(state.waitingList).toHaveLength(1);
    state = reduce(state, waitingRoomChanged(false));
    expect(state).toEqual({ waitingRoomEnabled: false, waitingList: [] });
  });

  it('conferenceReset forgets who waited', () => {
    let state = reduce(initial(), waitingRoomChanged(true));
    state = reduce(state, joinedWaitingRoom(carol));
    expect(reduce(state, conferenceReset())).toEqual({ waitingRoomEnabled: false, waitingList: [] });
  });
});
