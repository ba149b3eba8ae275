import type { CommandOf } from '@plenum/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { moduleTester, settled, type ModuleTester } from '../../../test-support/moduleTester.js';

let t: ModuleTester;
afterEach(() => t.close());

const offer = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

describe('media switched off (PLENUM_BRIDGE_LAUNCHER=none)', () => {
  it('join_success carries no media data, the other modules are there', async () => {
    t = await moduleTester({ media: 'off' });
    const alice = await t.join({ name: 'Alice' });
    expect(alice.joinData('media')).toBeUndefined();
    expect(alice.joinData('chat')).toBeDefined();
    expect(alice.joinData('moderation')).toBeDefined();
  });

  it('every media command is answered with unknown_namespace in media', async () => {
    t = await moduleTester({ media: 'off' });
    const alice = await t.join({ name: 'Alice' });
    const commands: CommandOf<'media'>[] = [
      { action: 'publish', kind: 'camera', sdp: offer, audio: true, video: true },
      { action: 'update_media_state', audio: true, video: false },
      { action: 'unpublish', kind: 'screen' },
    ];
    for (const command of commands) {
      alice.send('media', command);
      expect(await alice.nextError('media'), command.action).toBe('unknown_namespace');
    }
  });
});

describe('media without a running bridge', () => {
  it('join_success carries the media states and ICE servers (none configured)', async () => {
    t = await moduleTester({ media: 'failing' });
    const alice = await t.join({ name: 'Alice' });
    expect(alice.joinData('media')).toEqual({ states: {}, ice: { iceServers: [] } });
  });

  it('update_media_state is announced as media_state to everyone, on both controllers, the sender included', async () => {
    t = await moduleTester({ media: 'failing', controllers: 2 });
    const alice = await t.join({ name: 'Alice', controller: 0 });
    const bob = await t.join({ name: 'Bob', controller: 1 });
    alice.send('media', { action: 'update_media_state', audio: true, video: false });
    for (const participant of [alice, bob]) {
      expect(await participant.next('media', 'media_state')).toEqual({
        message: 'media_state',
        participant: alice.id,
        state: { audio: true, video: false, screen: false, forceMuted: false },
      });
    }
  });

  it('a late joiner finds the announced states in join_success, without those who left', async () => {
    t = await moduleTester({ media: 'failing', controllers: 2 });
    const alice = await t.join({ name: 'Alice', controller: 0 });
    const bob = await t.join({ name: 'Bob', controller: 1 });
    alice.send('media', { action: 'update_media_state', audio: false, video: true });
    bob.send('media', { action: 'update_media_state', audio: true, video: true });
    await alice.next('media', 'media_state');
    await alice.next('media', 'media_state');
    bob.send('control', { action: 'leave' });
    await alice.next('control', 'left');

    const carol = await t.join({ name: 'Carol', controller: 1 });
    expect(carol.joinData('media')?.states).toEqual({ [alice.id]: { audio: false, video: true, screen: false, forceMuted: false } });
  });

  it('publish, when no bridge can be started, is answered with internal_error in control', async () => {
    t = await moduleTester({ media: 'failing' });
    const alice = await t.join({ name: 'Alice' });
    alice.send('media', { action: 'publish', kind: 'camera', sdp: offer, audio: true, video: true });
    expect(await alice.nextError('control')).toBe('internal_error');
  });

  it('subscribe to oneself is refused with invalid_payload', async () => {
    t = await moduleTester({ media: 'failing' });
    const alice = await t.join({ name: 'Alice' });
    alice.send('media', { action: 'subscribe', target: alice.id, kind: 'camera' });
    expect(await alice.nextError('media')).toBe('invalid_payload');
  });

  it('subscribe while the conference has no bridge is refused with unknown_participant', async () => {
    t = await moduleTester({ media: 'failing' });
    const alice = await t.join({ name: 'Alice' });
    const bob = await t.join({ name: 'Bob' });
    // Joining tried to start the bridge in the background; let that attempt fail first.
    await settled();
    bob.send('media', { action: 'subscribe', target: alice.id, kind: 'camera' });
    expect(await bob.nextError('media')).toBe('unknown_participant');
  });

  it('mute by a participant who is not a moderator is refused with insufficient_permissions', async () => {
    t = await moduleTester({ media: 'failing' });
    const owner = await t.join({ name: 'Owner', as: 'owner' });
    const bob = await t.join({ name: 'Bob' });
    bob.send('media', { action: 'mute', targets: [owner.id] });
    expect(await bob.nextError('media')).toBe('insufficient_permissions');
  });
});
