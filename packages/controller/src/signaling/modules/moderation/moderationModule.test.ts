import { closeCodes, type CommandOf, type ParticipantId } from '@plenum/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { moduleTester, settled, type FakeParticipant, type ModuleTester } from '../../../test-support/moduleTester.js';

let t: ModuleTester;
afterEach(() => t.close());

/** A meeting of the owner (controller 0) and Bob (controller 1), unless the options say otherwise. */
async function meeting(options: { waitingRoom?: boolean } = {}) {
  t = await moduleTester({ controllers: 2, room: { waitingRoom: options.waitingRoom ?? false } });
  const owner = await t.join({ name: 'Owner', as: 'owner', controller: 0 });
  const bob = await t.join({ name: 'Bob', controller: 1 });
  return { owner, bob };
}

/** Makes `target` a moderator and waits until it knows. */
async function grantModerator(by: FakeParticipant, target: FakeParticipant): Promise<void> {
  by.send('control', { action: 'grant_moderator', target: target.id });
  await target.waitFor((e) => e.payload.message === 'update' && (e.payload.participant as { role?: string }).role === 'moderator');
}

describe('moderation: removing participants', () => {
  it('kick: the target is told and closed with 4003, everyone else sees it leave as kicked', async () => {
    const { owner, bob } = await meeting();
    const carol = await t.join({ name: 'Carol', controller: 0 });
    owner.send('moderation', { action: 'kick', target: bob.id });
    await bob.next('moderation', 'kicked');
    expect(await bob.closed()).toBe(closeCodes.kicked);
    for (const other of [owner, carol]) expect(await other.next('control', 'left')).toMatchObject({ id: bob.id, reason: 'kicked' });
  });

  it('a kicked user may come back with a new ticket', async () => {
    const { owner, bob } = await meeting();
    owner.send('moderation', { action: 'kick', target: bob.id });
    await bob.closed();
    const again = await t.join({ name: 'Bob', sameUserAs: bob, controller: 1 });
    expect(again.latestJoin().role).toBe('user');
  });

  it('ban: the target is told and closed with 4002, and its user account cannot join again', async () => {
    const { owner, bob } = await meeting();
    owner.send('moderation', { action: 'ban', target: bob.id });
    await bob.next('moderation', 'banned');
    expect(await bob.closed()).toBe(closeCodes.banned);
    expect(await owner.next('control', 'left')).toMatchObject({ id: bob.id, reason: 'banned' });

    const again = await t.join({ name: 'Bob', sameUserAs: bob, controller: 0 });
    expect((await again.next('control', 'join_blocked')).reason).toBe('banned');
    expect(await again.closed()).toBe(closeCodes.banned);
  });

  it('ban closes the banned user\'s other connections at their next frame', async () => {
    const { owner, bob } = await meeting();
    const bobElsewhere = await t.join({ name: 'Bob (phone)', sameUserAs: bob, controller: 0 });
    owner.send('moderation', { action: 'ban', target: bob.id });
    await bob.closed();
    bobElsewhere.send('chat', { action: 'send_message', content: 'still here?' });
    expect(await bobElsewhere.nextError('chat')).toBe('banned');
    expect(await bobElsewhere.closed()).toBe(closeCodes.banned);
  });

  it('banning a guest removes it like a kick', async () => {
    const { owner } = await meeting();
    const guest = await t.join({ name: 'Guest', as: 'guest', controller: 1 });
    owner.send('moderation', { action: 'ban', target: guest.id });
    await guest.next('moderation', 'kicked');
    expect(await guest.closed()).toBe(closeCodes.kicked);
    expect(await owner.next('control', 'left')).toMatchObject({ id: guest.id, reason: 'kicked' });
  });

  it.each(['kick', 'ban', 'send_to_waiting_room'] as const)('%s of the room owner is refused with insufficient_permissions, even for a moderator', async (action) => {
    const { owner, bob } = await meeting();
    await grantModerator(owner, bob);
    bob.send('moderation', { action, target: owner.id });
    expect(await bob.nextError('moderation')).toBe('insufficient_permissions');
    await settled();
    expect(owner.closeCode).toBeUndefined();
  });

  it.each(['kick', 'ban', 'accept', 'deny', 'send_to_waiting_room'] as const)('%s of someone not in the room is refused with unknown_participant', async (action) => {
    const { owner } = await meeting();
    owner.send('moderation', { action, target: crypto.randomUUID() as ParticipantId });
    expect(await owner.nextError('moderation')).toBe('unknown_participant');
  });

  it('every moderation command of a participant who is not a moderator is refused with insufficient_permissions', async () => {
    const { owner, bob } = await meeting();
    const commands: CommandOf<'moderation'>[] = [
      { action: 'kick', target: owner.id },
      { action: 'ban', target: owner.id },
      { action: 'enable_waiting_room' },
      { action: 'disable_waiting_room' },
      { action: 'accept', target: owner.id },
      { action: 'deny', target: owner.id },
      { action: 'send_to_waiting_room', target: owner.id },
      { action: 'end_meeting' },
      { action: 'request_mute', targets: [owner.id] },
    ];
    for (const command of commands) {
      bob.send('moderation', command);
      expect(await bob.nextError('moderation'), command.action).toBe('insufficient_permissions');
    }
  });
});

describe('moderation: waiting room', () => {
  it('with the waiting room on, a user waits and the moderators learn of it', async () => {
    const { owner, bob } = await meeting({ waitingRoom: true });
    // Bob joined while the room had a waiting room: he waits.
    expect(bob.has('moderation', 'in_waiting_room')).toBe(true);
    const { participant } = await owner.next('moderation', 'joined_waiting_room');
    expect(participant.displayName).toBe('Bob');
    expect(owner.joinData('moderation')).toEqual({ waitingRoomEnabled: true, waitingList: [] });
  });

  it('a moderator joining later finds the waiting list in join_success', async () => {
    const { owner } = await meeting({ waitingRoom: true });
    const { participant } = await owner.next('moderation', 'joined_waiting_room');
    const second = await t.join({ name: 'Owner (laptop)', as: 'owner', controller: 1 });
    expect(second.joinData('moderation')?.waitingList?.map((p) => p.id)).toEqual([participant.id]);
  });

  it('a waiting participant may not use the modules: in_waiting_room', async () => {
    const { bob } = await meeting({ waitingRoom: true });
    bob.send('chat', { action: 'send_message', content: 'let me in' });
    expect(await bob.nextError('chat')).toBe('in_waiting_room');
  });

  it('accept admits a waiting participant on another controller: join_success for it, joined for the room', async () => {
    const { owner, bob } = await meeting({ waitingRoom: true });
    const carol = await t.join({ name: 'Carol', as: 'owner', controller: 0 });
    const { participant } = await owner.next('moderation', 'joined_waiting_room');
    owner.send('moderation', { action: 'accept', target: participant.id });
    expect((await bob.next('control', 'join_success')).id).toBe(participant.id);
    expect((await owner.next('moderation', 'left_waiting_room')).id).toBe(participant.id);
    expect((await carol.next('control', 'joined')).participant.id).toBe(participant.id);
  });

  it('deny turns a waiting participant away: denied, close 4008, the moderators see it leave the waiting room', async () => {
    const { owner, bob } = await meeting({ waitingRoom: true });
    const { participant } = await owner.next('moderation', 'joined_waiting_room');
    owner.send('moderation', { action: 'deny', target: participant.id });
    await bob.next('moderation', 'denied');
    expect(await bob.closed()).toBe(closeCodes.denied);
    expect((await owner.next('moderation', 'left_waiting_room')).id).toBe(participant.id);
  });

  it('deny of a participant in the room is dropped without an error', async () => {
    const { owner, bob } = await meeting();
    owner.send('moderation', { action: 'deny', target: bob.id });
    await settled();
    expect(bob.closeCode).toBeUndefined();
    expect(owner.has('moderation', 'error')).toBe(false);
  });

  it('enable_waiting_room: everyone is told, and the next user to join waits', async () => {
    const { owner, bob } = await meeting();
    owner.send('moderation', { action: 'enable_waiting_room' });
    await owner.next('moderation', 'waiting_room_enabled');
    await bob.next('moderation', 'waiting_room_enabled');
    const carol = await t.join({ name: 'Carol', controller: 1 });
    expect(carol.has('moderation', 'in_waiting_room')).toBe(true);
    expect(carol.has('control', 'join_success')).toBe(false);
  });

  it('disable_waiting_room: everyone is told, and everybody waiting is admitted', async () => {
    const { owner, bob } = await meeting({ waitingRoom: true });
    const carol = await t.join({ name: 'Carol', controller: 0 });
    owner.send('moderation', { action: 'disable_waiting_room' });
    await owner.next('moderation', 'waiting_room_disabled');
    for (const admitted of [bob, carol]) expect((await admitted.next('control', 'join_success')).role).toBe('user');
  });

  it('send_to_waiting_room: the room sees the target leave, the target waits again until accepted', async () => {
    const { owner, bob } = await meeting();
    owner.send('moderation', { action: 'send_to_waiting_room', target: bob.id });
    expect(await owner.next('control', 'left')).toMatchObject({ id: bob.id, reason: 'sent_to_waiting_room' });
    await bob.next('moderation', 'in_waiting_room');
    expect((await owner.next('moderation', 'joined_waiting_room')).participant.id).toBe(bob.id);

    owner.send('moderation', { action: 'accept', target: bob.id });
    const first = await bob.next('control', 'join_success');
    expect((await bob.next('control', 'join_success')).id).toBe(first.id);
    expect((await owner.next('control', 'joined')).participant.id).toBe(bob.id);
  });
});

describe('moderation: the whole meeting', () => {
  it('end_meeting: every connection, on every controller, is told and closed with 4004', async () => {
    const { owner, bob } = await meeting();
    const guest = await t.join({ name: 'Guest', as: 'guest', controller: 1 });
    owner.send('moderation', { action: 'end_meeting' });
    for (const participant of [owner, bob, guest]) {
      await participant.next('moderation', 'meeting_ended');
      expect(await participant.closed()).toBe(closeCodes.meetingEnded);
    }
    await settled();
    expect(await t.participants()).toEqual([]);
  });

  it('request_mute reaches each target once, and nobody else', async () => {
    const { owner, bob } = await meeting();
    const carol = await t.join({ name: 'Carol', controller: 0 });
    owner.send('moderation', { action: 'request_mute', targets: [bob.id, bob.id, crypto.randomUUID() as ParticipantId] });
    expect((await bob.next('moderation', 'mute_requested')).by).toBe(owner.id);
    await settled();
    expect(bob.has('moderation', 'mute_requested')).toBe(false);
    expect(carol.has('moderation', 'mute_requested')).toBe(false);
  });
});
