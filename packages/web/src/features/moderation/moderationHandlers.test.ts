import { Participant } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { fakeHandlerContext, hostilePayloads } from '../../test-support/fakeHandlerContext.js';
import { fixturePayload, ids } from '../../test-support/factories.js';
import { noticeShown, waiting } from '../control/controlSlice.js';
import { handleModerationEvent } from './moderationHandlers.js';
import { joinedWaitingRoom, leftWaitingRoom, waitingRoomChanged } from './moderationSlice.js';

describe('handleModerationEvent', () => {
  it.each([
    ['kicked', 'kicked'],
    ['banned', 'banned'],
    ['meeting_ended', 'meeting_ended'],
    ['denied', 'denied'],
  ])('%s ends the meeting with reason %s', (message, reason) => {
    const fake = fakeHandlerContext(ids.me);
    handleModerationEvent(fixturePayload(`moderation/event.${message}.json`), fake.ctx);
    expect(fake.session.ending).toHaveBeenCalledWith(reason);
    expect(fake.effects()).toBe(1);
  });

  it('in_waiting_room puts me in the waiting phase', () => {
    const fake = fakeHandlerContext(null);
    handleModerationEvent(fixturePayload('moderation/event.in_waiting_room.json'), fake.ctx);
    expect(fake.actions).toEqual([waiting()]);
  });

  it('waiting room switches, arrivals, departures and mute requests dispatch their actions; an error is reported', () => {
    const fake = fakeHandlerContext(ids.me);
    for (const file of ['waiting_room_enabled', 'joined_waiting_room', 'left_waiting_room', 'waiting_room_disabled', 'mute_requested', 'error']) {
      handleModerationEvent(fixturePayload(`moderation/event.${file}.json`), fake.ctx);
    }
    // Carol as the golden `joined_waiting_room` frame has her.
    const carol = Participant.parse({
      id: ids.carol,
      displayName: 'Carol Clark',
      role: 'user',
      userId: '3b8e6c1a-5d2f-4a97-b3e0-8c7d6e5f4a32',
      handRaised: false,
      joinedAt: '2026-11-24T09:04:45.117Z',
      modules: {},
    });
    expect(fake.actions).toEqual([
      waitingRoomChanged(true),
      joinedWaitingRoom(carol),
      leftWaitingRoom(ids.carol),
      waitingRoomChanged(false),
      noticeShown('muteRequested'),
    ]);
    expect(fake.effects()).toBe(5);
    expect(fake.reports.serverError.mock.calls).toEqual([
      ['moderation', { message: 'error', error: 'insufficient_permissions', text: 'only moderators may do this' }],
    ]);
  });

  const malformed: unknown[] = [
    ...hostilePayloads,
    { message: 'joined_waiting_room' },
    { message: 'joined_waiting_room', participant: { id: ids.carol, displayName: 'Carol' } },
    { message: 'left_waiting_room', id: 'carol' },
    { message: 'mute_requested', by: 12 },
  ];
  it.each(malformed)('passes a malformed payload on as unrecognized, without throwing: %j', (payload) => {
    const fake = fakeHandlerContext(ids.me);
    expect(() => handleModerationEvent(payload, fake.ctx)).not.toThrow();
    expect(fake.effects()).toBe(0);
    expect(fake.reports.unrecognized.mock.calls).toEqual([['moderation', payload]]);
    expect(fake.reports.serverError).not.toHaveBeenCalled();
  });
});
