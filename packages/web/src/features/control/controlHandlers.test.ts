import { JoinSuccess, Participant } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { fakeHandlerContext, hostilePayloads } from '../../test-support/fakeHandlerContext.js';
import { fixturePayload, ids, participant } from '../../test-support/factories.js';
import { participantMediaGone } from '../media/mediaSlice.js';
import { handleControlEvent } from './controlHandlers.js';
import { noticeShown, participantJoined, participantLeft, participantUpdated } from './controlSlice.js';

const bob = participant(ids.me, 'Bob Brown');
/** Bob as the golden `joined` frame has him. */
const bobInFixture = Participant.parse({
  id: ids.me,
  displayName: 'Bob Brown',
  role: 'user',
  userId: '9c2b7a1d-6e3f-4a58-b0c4-7d8e9f0a1b2c',
  handRaised: false,
  joinedAt: '2026-11-24T09:00:00.412Z',
  modules: {},
});

describe('handleControlEvent', () => {
  it('join_success hands the parsed join to the session', () => {
    const fake = fakeHandlerContext(null);
    handleControlEvent(fixturePayload('control/event.join_success.json'), fake.ctx);
    expect(fake.session.joined).toHaveBeenCalledOnce();
    expect(fake.session.joined).toHaveBeenCalledWith(JoinSuccess.parse(fixturePayload('control/event.join_success.json')));
    expect(fake.effects()).toBe(1);
  });

  it('join_blocked ends the meeting as banned', () => {
    const fake = fakeHandlerContext(null);
    handleControlEvent(fixturePayload('control/event.join_blocked.json'), fake.ctx);
    expect(fake.session.ending).toHaveBeenCalledWith('banned');
    expect(fake.effects()).toBe(1);
  });

  it('joined and update dispatch the participant', () => {
    const fake = fakeHandlerContext(ids.alice);
    handleControlEvent(fixturePayload('control/event.joined.json'), fake.ctx);
    handleControlEvent(fixturePayload('control/event.update.role.json'), fake.ctx);
    expect(fake.actions).toEqual([participantJoined(bobInFixture), participantUpdated({ ...bobInFixture, role: 'moderator' })]);
  });

  it('left removes the participant from the list, the media state and the engine', () => {
    const fake = fakeHandlerContext(ids.alice);
    handleControlEvent(fixturePayload('control/event.left.json'), fake.ctx);
    expect(fake.actions).toEqual([participantLeft(ids.me), participantMediaGone(ids.me)]);
    expect(fake.media.removeParticipant).toHaveBeenCalledWith(ids.me);
  });

  it('token_refreshed shows a notice; token_expiring refreshes at once', () => {
    const fake = fakeHandlerContext(ids.me);
    handleControlEvent(fixturePayload('control/event.token_refreshed.json'), fake.ctx);
    expect(fake.actions).toEqual([noticeShown('tokenRefreshed')]);
    handleControlEvent(fixturePayload('control/event.token_expiring.json'), fake.ctx);
    expect(fake.session.refreshTokenNow).toHaveBeenCalledOnce();
    expect(fake.effects()).toBe(2);
  });

  it('error events are reported with their namespace and change nothing else', () => {
    const fake = fakeHandlerContext(ids.me);
    const invalid = fixturePayload('control/event.error.json');
    const expired = fixturePayload('control/event.error.token_expired.json');
    handleControlEvent(invalid, fake.ctx);
    handleControlEvent(expired, fake.ctx);
    expect(fake.effects()).toBe(0);
    expect(fake.reports.serverError.mock.calls).toEqual([
      ['control', invalid],
      ['control', expired],
    ]);
  });

  const malformed: unknown[] = [
    ...hostilePayloads,
    { message: 'joined', participant: { ...bob, handRaised: 'yes' } },
    { message: 'joined', participant: { ...bob, displayName: '' } },
    { message: 'joined', participant: { ...bob, id: '../../etc/passwd' } },
    { message: 'update' },
    { message: 'left', id: ids.me, reason: 'vanished' },
    { message: 'left', id: 7, reason: 'quit' },
    { message: 'join_blocked', reason: 'because' },
    { message: 'token_expiring', graceSeconds: '30' },
    { ...(fixturePayload('control/event.join_success.json') as object), resumption: undefined },
  ];
  it.each(malformed)('passes a malformed payload on as unrecognized, without throwing: %j', (payload) => {
    const fake = fakeHandlerContext(ids.me);
    expect(() => handleControlEvent(payload, fake.ctx)).not.toThrow();
    expect(fake.effects()).toBe(0);
    expect(fake.reports.unrecognized.mock.calls).toEqual([['control', payload]]);
    expect(fake.reports.serverError).not.toHaveBeenCalled();
  });
});
