import { afterEach, describe, expect, it } from 'vitest';
import { moduleTester, settled, type FakeParticipant, type ModuleTester } from '../../../test-support/moduleTester.js';

let t: ModuleTester;
afterEach(() => t.close());

describe('chat', () => {
  it('a room message reaches everyone, the sender included, on both controllers', async () => {
    t = await moduleTester({ controllers: 2 });
    const alice = await t.join({ name: 'Alice', controller: 0 });
    const bob = await t.join({ name: 'Bob', controller: 1 });
    alice.send('chat', { action: 'send_message', content: 'hello' });
    for (const participant of [alice, bob]) {
      const { chatMessage } = await participant.next('chat', 'message_sent');
      expect(chatMessage).toMatchObject({ source: alice.id, target: null, content: 'hello' });
    }
  });

  it('a private message reaches only its target and its sender', async () => {
    t = await moduleTester({ controllers: 2 });
    const alice = await t.join({ name: 'Alice', controller: 0 });
    const bob = await t.join({ name: 'Bob', controller: 1 });
    const carol = await t.join({ name: 'Carol', controller: 1 });
    alice.send('chat', { action: 'send_message', content: 'psst', target: bob.id });
    expect((await bob.next('chat', 'message_sent')).chatMessage).toMatchObject({ source: alice.id, target: bob.id, content: 'psst' });
    expect((await alice.next('chat', 'message_sent')).chatMessage.target).toBe(bob.id);
    await settled();
    expect(carol.has('chat', 'message_sent')).toBe(false);
  });

  it('a private message to someone not in the room is refused with unknown_participant', async () => {
    t = await moduleTester();
    const alice = await t.join({ name: 'Alice' });
    alice.send('chat', { action: 'send_message', content: 'anyone?', target: crypto.randomUUID() as typeof alice.id });
    expect(await alice.nextError('chat')).toBe('unknown_participant');
  });

  it('a late joiner gets the room history, and only its own private messages, in join_success', async () => {
    t = await moduleTester({ controllers: 2 });
    const alice = await t.join({ name: 'Alice', controller: 0 });
    const bob = await t.join({ name: 'Bob', controller: 1 });
    alice.send('chat', { action: 'send_message', content: 'first' });
    await bob.next('chat', 'message_sent');
    alice.send('chat', { action: 'send_message', content: 'only for Bob', target: bob.id });
    await bob.next('chat', 'message_sent');

    const carol = await t.join({ name: 'Carol', controller: 1 });
    expect(chatJoinData(carol)).toMatchObject({ enabled: true, history: [{ content: 'first', target: null }] });
    const bobOnAnotherDevice = await t.join({ name: 'Bob', sameUserAs: bob, controller: 0 });
    // Private history belongs to the participant, not to the user account.
    expect(chatJoinData(bobOnAnotherDevice).history.map((m) => m.content)).toEqual(['first']);
  });

  it('a participant who resumes after its connection dropped gets its private messages back', async () => {
    t = await moduleTester({ controllers: 2 });
    const alice = await t.join({ name: 'Alice', controller: 0 });
    const bob = await t.join({ name: 'Bob', controller: 1 });
    alice.send('chat', { action: 'send_message', content: 'only for Bob', target: bob.id });
    await bob.next('chat', 'message_sent');
    bob.drop();
    const bobBack = await t.join({ name: 'Bob', resume: bob, controller: 0 });
    expect(bobBack.id).toBe(bob.id);
    expect(chatJoinData(bobBack).history).toMatchObject([{ content: 'only for Bob', source: alice.id, target: bob.id }]);
  });

  it('a moderator disables the chat: others are refused with chat_disabled, moderators may still write', async () => {
    t = await moduleTester({ controllers: 2 });
    const owner = await t.join({ name: 'Owner', as: 'owner', controller: 0 });
    const bob = await t.join({ name: 'Bob', controller: 1 });
    owner.send('chat', { action: 'disable_chat' });
    expect((await bob.next('chat', 'chat_disabled')).by).toBe(owner.id);
    expect((await owner.next('chat', 'chat_disabled')).by).toBe(owner.id);

    bob.send('chat', { action: 'send_message', content: 'can I?' });
    expect(await bob.nextError('chat')).toBe('chat_disabled');
    owner.send('chat', { action: 'send_message', content: 'I can' });
    expect((await bob.next('chat', 'message_sent')).chatMessage.content).toBe('I can');

    const late = await t.join({ name: 'Late', controller: 1 });
    expect(chatJoinData(late).enabled).toBe(false);
  });

  it('a moderator enables the chat again and everyone may write', async () => {
    t = await moduleTester({ controllers: 2 });
    const owner = await t.join({ name: 'Owner', as: 'owner', controller: 0 });
    const bob = await t.join({ name: 'Bob', controller: 1 });
    owner.send('chat', { action: 'disable_chat' });
    await bob.next('chat', 'chat_disabled');
    owner.send('chat', { action: 'enable_chat' });
    expect((await bob.next('chat', 'chat_enabled')).by).toBe(owner.id);
    bob.send('chat', { action: 'send_message', content: 'back' });
    expect((await owner.next('chat', 'message_sent')).chatMessage.content).toBe('back');
  });

  it('a moderator clears the history: everyone is told and a late joiner gets none', async () => {
    t = await moduleTester({ controllers: 2 });
    const owner = await t.join({ name: 'Owner', as: 'owner', controller: 0 });
    const bob = await t.join({ name: 'Bob', controller: 1 });
    bob.send('chat', { action: 'send_message', content: 'to be forgotten' });
    await owner.next('chat', 'message_sent');
    owner.send('chat', { action: 'clear_history' });
    expect((await bob.next('chat', 'history_cleared')).by).toBe(owner.id);
    const late = await t.join({ name: 'Late', controller: 1 });
    expect(chatJoinData(late).history).toEqual([]);
  });

  it.each(['enable_chat', 'disable_chat', 'clear_history'] as const)('%s by a participant who is not a moderator is refused with insufficient_permissions', async (action) => {
    t = await moduleTester();
    await t.join({ name: 'Owner', as: 'owner' });
    const bob = await t.join({ name: 'Bob' });
    bob.send('chat', { action });
    expect(await bob.nextError('chat')).toBe('insufficient_permissions');
  });

  it('a guest may write to the room', async () => {
    t = await moduleTester();
    const alice = await t.join({ name: 'Alice' });
    const guest = await t.join({ name: 'Guest', as: 'guest' });
    guest.send('chat', { action: 'send_message', content: 'hi from a guest' });
    expect((await alice.next('chat', 'message_sent')).chatMessage.source).toBe(guest.id);
  });
});

/** The chat part of the participant's join_success. */
function chatJoinData(participant: FakeParticipant) {
  const data = participant.joinData('chat');
  if (!data) throw new Error(`${participant.name} got no chat data`);
  return data;
}
