import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Invite, StartInvitedResponse, StartResponse, closeCodes } from '@plenum/protocol';
import { apiClient, json, type Api } from '../src/test-support/apiClient.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { FakeIssuer } from '../src/test-support/fakeIssuer.js';
import { SignalingClient } from '../src/test-support/signalingClient.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

async function ticketFor(api: Api, roomId: string, body: Record<string, unknown> = {}): Promise<string> {
  const response = await api('POST', `/v1/rooms/${roomId}/start`, body);
  return StartResponse.parse(response.body).ticket;
}

async function join(baseUrl: string, ticket: string, extra: Record<string, unknown> = {}) {
  const client = await SignalingClient.connect(baseUrl, ticket);
  client.send('control', { action: 'join', ...extra });
  const first = await client.waitFor((e) => e.namespace === 'control' || e.namespace === 'moderation');
  const id = typeof first.payload.id === 'string' ? first.payload.id : '';
  return { client, first: first.payload, id };
}

describe('signaling rules with the dev provider', () => {
  let t: TestApp;
  let alice: Api;
  let bob: Api;
  let carol: Api;

  beforeAll(async () => {
    t = await startTestApp({ env: { PLENUM_SIGNALING_RESUMPTION_WINDOW: '2' } });
    alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    bob = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'bob', 'test-password')).accessToken);
    carol = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'carol', 'test-password')).accessToken);
  });
  afterAll(() => t.close());

  const newRoom = async (body: Record<string, unknown> = {}) => String(json(await alice('POST', '/v1/rooms', { name: 'Rules', ...body })).id);

  it('answers bad frames with error events and keeps the connection', async () => {
    const roomId = await newRoom();
    const client = await SignalingClient.connect(t.baseUrl, await ticketFor(bob, roomId));
    const errorAfter = async (send: () => void) => {
      const mark = client.events.length;
      send();
      return (await client.waitFor((e) => e.payload.message === 'error', { after: mark })).payload.error;
    };
    expect(await errorAfter(() => client.sendRaw('{not json'))).toBe('invalid_json');
    expect(await errorAfter(() => client.sendRaw(JSON.stringify({ hello: 1 })))).toBe('invalid_envelope');
    expect(await errorAfter(() => client.send('polls', { action: 'vote' }))).toBe('unknown_namespace');
    expect(await errorAfter(() => client.send('control', { action: 'fly' }))).toBe('unknown_action');
    expect(await errorAfter(() => client.send('control', { action: 'join', displayName: 42 }))).toBe('invalid_payload');
    expect(await errorAfter(() => client.send('chat', { action: 'send_message', content: 'early' }))).toBe('not_joined');
    expect(await errorAfter(() => client.sendRaw('x'.repeat(70_000)))).toBe('frame_too_large');
    expect(await errorAfter(() => client.sendRaw(Buffer.from([1, 2, 3])))).toBe('invalid_json');
    client.send('control', { action: 'join' });
    expect((await client.next('control', 'join_success')).role).toBe('user');
    expect(await errorAfter(() => client.send('control', { action: 'join' }))).toBe('already_joined');
    expect(client.closeCode).toBeUndefined();
    client.close();
  });

  it('refuses moderator actions from non-moderators', async () => {
    const roomId = await newRoom();
    const owner = await join(t.baseUrl, await ticketFor(alice, roomId));
    const user = await join(t.baseUrl, await ticketFor(bob, roomId));
    expect(user.first.role).toBe('user');
    const commands: [string, Record<string, unknown>][] = [
      ['moderation', { action: 'kick', target: owner.id }],
      ['moderation', { action: 'ban', target: owner.id }],
      ['moderation', { action: 'end_meeting' }],
      ['moderation', { action: 'enable_waiting_room' }],
      ['moderation', { action: 'request_mute', targets: [owner.id] }],
      ['chat', { action: 'disable_chat' }],
      ['chat', { action: 'clear_history' }],
      ['control', { action: 'grant_moderator', target: user.id }],
    ];
    for (const [namespace, payload] of commands) {
      const mark = user.client.events.length;
      user.client.send(namespace, payload);
      const error = await user.client.waitFor((e) => e.payload.message === 'error', { after: mark });
      expect([namespace, error.payload.error]).toEqual([namespace, 'insufficient_permissions']);
    }
    expect(owner.client.closeCode).toBeUndefined();
    owner.client.close();
    user.client.close();
  });

  it('lets a moderator grant the role, after which the new moderator may moderate', async () => {
    const roomId = await newRoom();
    const owner = await join(t.baseUrl, await ticketFor(alice, roomId));
    const user = await join(t.baseUrl, await ticketFor(bob, roomId));
    const third = await join(t.baseUrl, await ticketFor(carol, roomId));
    owner.client.send('control', { action: 'grant_moderator', target: user.id });
    await user.client.waitFor((e) => e.payload.message === 'update' && (e.payload.participant as { role: string }).role === 'moderator');
    user.client.send('moderation', { action: 'kick', target: third.id });
    expect(await third.client.next('moderation', 'kicked')).toBeTruthy();
    expect(await third.client.waitForClose()).toBe(closeCodes.kicked);
    expect(await owner.client.waitFor((e) => e.payload.message === 'left' && e.payload.id === third.id)).toMatchObject({
      payload: { reason: 'kicked' },
    });
    owner.client.close();
    user.client.close();
  });

  it('bans a user: their other connection is refused on its next message and they cannot rejoin', async () => {
    const roomId = await newRoom();
    const owner = await join(t.baseUrl, await ticketFor(alice, roomId));
    const first = await join(t.baseUrl, await ticketFor(bob, roomId));
    const secondTab = await join(t.baseUrl, await ticketFor(bob, roomId));
    const spareTicket = await ticketFor(bob, roomId);
    owner.client.send('moderation', { action: 'ban', target: first.id });
    expect(await first.client.waitForClose()).toBe(closeCodes.banned);
    secondTab.client.send('chat', { action: 'send_message', content: 'still here?' });
    const refused = await secondTab.client.waitFor((e) => e.payload.message === 'error');
    expect(refused.payload.error).toBe('banned');
    expect(await secondTab.client.waitForClose()).toBe(closeCodes.banned);
    const again = await join(t.baseUrl, spareTicket);
    expect(again.first).toMatchObject({ message: 'join_blocked', reason: 'banned' });
    const start = await bob('POST', `/v1/rooms/${roomId}/start`, {});
    expect([start.status, json(start).code]).toEqual([403, 'banned']);
    owner.client.close();
  });

  it('keeps a dropped participant for resumption: same ID, others see an update, not a new join', async () => {
    const roomId = await newRoom();
    const owner = await join(t.baseUrl, await ticketFor(alice, roomId));
    const user = await join(t.baseUrl, await ticketFor(bob, roomId));
    const resumption = String(user.first.resumption);
    user.client.socket.terminate();
    const mark = owner.client.events.length;
    const back = await join(t.baseUrl, await ticketFor(bob, roomId), { resumption });
    expect(back.first).toMatchObject({ message: 'join_success', id: user.id });
    const update = await owner.client.waitFor((e) => e.namespace === 'control' && ['update', 'joined', 'left'].includes(e.payload.message), {
      after: mark,
    });
    expect(update.payload.message).toBe('update');
    // A resumption token works once.
    back.client.socket.terminate();
    const stale = await join(t.baseUrl, await ticketFor(bob, roomId), { resumption });
    expect(stale.id).not.toBe(user.id);
    owner.client.close();
    stale.client.close();
  });

  it('resumes at once when the old socket still seems open, closing the old one with 4007', async () => {
    const roomId = await newRoom();
    const owner = await join(t.baseUrl, await ticketFor(alice, roomId));
    const user = await join(t.baseUrl, await ticketFor(bob, roomId));
    const back = await join(t.baseUrl, await ticketFor(bob, roomId), { resumption: String(user.first.resumption) });
    expect(back.first).toMatchObject({ message: 'join_success', id: user.id });
    expect(await user.client.waitForClose()).toBe(closeCodes.replaced);
    owner.client.send('chat', { action: 'send_message', content: 'still there?' });
    expect(await back.client.next('chat', 'message_sent')).toBeTruthy();
    expect(owner.client.events.some((e) => e.payload.message === 'left')).toBe(false);
    owner.client.close();
    back.client.close();
  });

  it('lets a guest resume with the resumption token after a new invite ticket', async () => {
    const roomId = await newRoom();
    const invite = Invite.parse((await alice('POST', `/v1/rooms/${roomId}/invites`, {})).body);
    const anonymous = apiClient(t.baseUrl);
    const guestTicket = async () =>
      StartInvitedResponse.parse((await anonymous('POST', `/v1/rooms/${roomId}/start_invited`, { inviteCode: invite.code, displayName: 'Gast' })).body).ticket;
    const guest = await join(t.baseUrl, await guestTicket());
    guest.client.socket.terminate();
    const back = await join(t.baseUrl, await guestTicket(), { resumption: String(guest.first.resumption) });
    expect(back.first).toMatchObject({ message: 'join_success', id: guest.id, role: 'guest' });
    back.client.close();
  });

  it('shows a dropped participant as left after the resumption window', async () => {
    const roomId = await newRoom();
    const owner = await join(t.baseUrl, await ticketFor(alice, roomId));
    const user = await join(t.baseUrl, await ticketFor(bob, roomId));
    user.client.socket.terminate();
    const left = await owner.client.waitFor((e) => e.payload.message === 'left' && e.payload.id === user.id);
    expect(left.payload.reason).toBe('timeout');
    owner.client.close();
  });

  it('holds joiners in the waiting room until a moderator admits or denies them', async () => {
    const roomId = await newRoom({ waitingRoom: true });
    const owner = await join(t.baseUrl, await ticketFor(alice, roomId));
    expect((owner.first.modules as { moderation: unknown }).moderation).toEqual({ waitingRoomEnabled: true, waitingList: [] });
    const waiting = await join(t.baseUrl, await ticketFor(bob, roomId));
    expect(waiting.first).toMatchObject({ message: 'in_waiting_room' });
    const notice = await owner.client.next('moderation', 'joined_waiting_room');
    const waitingId = (notice.participant as { id: string }).id;
    // While waiting: no chat, no room events.
    waiting.client.send('chat', { action: 'send_message', content: 'let me in' });
    expect((await waiting.client.waitFor((e) => e.payload.message === 'error')).payload.error).toBe('in_waiting_room');
    owner.client.send('moderation', { action: 'accept', target: waitingId });
    const admitted = await waiting.client.next('control', 'join_success');
    expect(admitted.id).toBe(waitingId);
    expect((await owner.client.next('control', 'joined')).participant).toMatchObject({ id: waitingId });

    const denied = await join(t.baseUrl, await ticketFor(carol, roomId));
    const deniedId = ((await owner.client.waitFor((e) => e.payload.message === 'joined_waiting_room' && (e.payload.participant as { id: string }).id !== waitingId)).payload.participant as { id: string }).id;
    owner.client.send('moderation', { action: 'deny', target: deniedId });
    expect(await denied.client.next('moderation', 'denied')).toBeTruthy();
    expect(await denied.client.waitForClose()).toBe(closeCodes.denied);
    owner.client.close();
    waiting.client.close();
  });

  it('ends the meeting for everyone and removes every key of the room', async () => {
    const roomId = await newRoom();
    const owner = await join(t.baseUrl, await ticketFor(alice, roomId));
    const user = await join(t.baseUrl, await ticketFor(bob, roomId));
    user.client.send('chat', { action: 'send_message', content: 'bye' });
    await owner.client.next('chat', 'message_sent');
    owner.client.send('moderation', { action: 'end_meeting' });
    expect(await user.client.waitForClose()).toBe(closeCodes.meetingEnded);
    expect(await owner.client.waitForClose()).toBe(closeCodes.meetingEnded);
    await expect.poll(() => t.store.hashGetAll(`plenum:participants:${roomId}`)).toEqual({});
    expect(await t.store.listAll(`plenum:room:${roomId}:chat:history`)).toEqual([]);
  });

  it('keeps the chat history for late joiners and private messages private', async () => {
    const roomId = await newRoom();
    const owner = await join(t.baseUrl, await ticketFor(alice, roomId));
    const user = await join(t.baseUrl, await ticketFor(bob, roomId));
    owner.client.send('chat', { action: 'send_message', content: 'for all' });
    owner.client.send('chat', { action: 'send_message', content: 'just for bob', target: user.id });
    await user.client.waitFor((e) => e.payload.message === 'message_sent' && (e.payload.chatMessage as { content: string }).content === 'just for bob');
    const late = await join(t.baseUrl, await ticketFor(carol, roomId));
    const history = (late.first.modules as { chat: { history: { content: string }[] } }).chat.history.map((m) => m.content);
    expect(history).toEqual(['for all']);
    // Private messages come back only to the same participant, e.g. after resuming.
    user.client.socket.terminate();
    const bobAgain = await join(t.baseUrl, await ticketFor(bob, roomId), { resumption: String(user.first.resumption) });
    const bobHistory = (bobAgain.first.modules as { chat: { history: { content: string }[] } }).chat.history.map((m) => m.content);
    expect(bobHistory).toEqual(['for all', 'just for bob']);
    const bobNewTab = await join(t.baseUrl, await ticketFor(bob, roomId));
    expect((bobNewTab.first.modules as { chat: { history: unknown[] } }).chat.history).toHaveLength(1);
    bobNewTab.client.close();
    owner.client.send('chat', { action: 'disable_chat' });
    await late.client.next('chat', 'chat_disabled');
    late.client.send('chat', { action: 'send_message', content: 'hello?' });
    expect((await late.client.waitFor((e) => e.payload.message === 'error')).payload.error).toBe('chat_disabled');
    for (const c of [owner, late, bobAgain]) c.client.close();
  });

  it('lets a guest refresh the guest token over REST and hand it to the socket', async () => {
    const roomId = await newRoom();
    const invite = Invite.parse((await alice('POST', `/v1/rooms/${roomId}/invites`, {})).body);
    const anonymous = apiClient(t.baseUrl);
    const start = StartInvitedResponse.parse((await anonymous('POST', `/v1/rooms/${roomId}/start_invited`, { inviteCode: invite.code, displayName: 'Gast' })).body);
    const guest = await join(t.baseUrl, start.ticket);
    const refreshed = json(await anonymous('POST', `/v1/rooms/${roomId}/guest_token`, { guestToken: start.guestToken }));
    guest.client.send('control', { action: 'refresh_token', token: String(refreshed.guestToken) });
    expect(await guest.client.next('control', 'token_refreshed')).toBeTruthy();
    // Another guest's token is not this guest's.
    const other = StartInvitedResponse.parse((await anonymous('POST', `/v1/rooms/${roomId}/start_invited`, { inviteCode: invite.code, displayName: 'Other' })).body);
    const mark = guest.client.events.length;
    guest.client.send('control', { action: 'refresh_token', token: other.guestToken });
    expect((await guest.client.waitFor((e) => e.payload.message === 'error', { after: mark })).payload.error).toBe('invalid_token');
    // Revoking the invite stops further refreshes.
    await alice('DELETE', `/v1/rooms/${roomId}/invites/${invite.code}`);
    const revoked = await anonymous('POST', `/v1/rooms/${roomId}/guest_token`, { guestToken: String(refreshed.guestToken) });
    expect([revoked.status, json(revoked).code]).toEqual([410, 'invite_revoked']);
    guest.client.close();
  });
});

describe('signaling token expiry with an external provider', () => {
  let issuer: FakeIssuer;
  let t: TestApp;

  beforeAll(async () => {
    issuer = await FakeIssuer.start();
    t = await startTestApp({ env: { PLENUM_OIDC_ISSUER: issuer.url, PLENUM_SIGNALING_TOKEN_GRACE: '2' } });
  });
  afterAll(async () => {
    await t.close();
    await issuer.close();
  });

  it('refuses messages once the token expired, until a fresh token of the same user arrives', async () => {
    const shortLived = await issuer.mint({ sub: 'owner', name: 'Owner' }, { exp: 2 });
    const owner = apiClient(t.baseUrl, shortLived);
    const roomId = String(json(await owner('POST', '/v1/rooms', { name: 'Expiry' })).id);
    const { client } = await join(t.baseUrl, await ticketFor(owner, roomId));
    expect(await client.next('control', 'token_expiring')).toMatchObject({ graceSeconds: 2 });

    client.send('chat', { action: 'send_message', content: 'after expiry' });
    expect((await client.waitFor((e) => e.payload.message === 'error')).payload.error).toBe('token_expired');

    let mark = client.events.length;
    client.send('control', { action: 'refresh_token', token: await issuer.mint({ sub: 'somebody-else' }) });
    expect((await client.waitFor((e) => e.payload.message === 'error', { after: mark })).payload.error).toBe('invalid_token');

    // The owner's own token, but expired too: said as such, so the client knows to sign in again.
    mark = client.events.length;
    client.send('control', { action: 'refresh_token', token: await issuer.mint({ sub: 'owner' }, { exp: -60 }) });
    expect((await client.waitFor((e) => e.payload.message === 'error', { after: mark })).payload.error).toBe('token_expired');

    client.send('control', { action: 'refresh_token', token: await issuer.mint({ sub: 'owner' }, { exp: 300 }) });
    expect(await client.next('control', 'token_refreshed')).toBeTruthy();
    mark = client.events.length;
    client.send('chat', { action: 'send_message', content: 'refreshed' });
    const sent = await client.waitFor((e) => e.namespace === 'chat', { after: mark });
    expect(sent.payload.message).toBe('message_sent');
    client.close();
  });

  it('disconnects with 4001 when no refresh comes within the grace period', async () => {
    const owner = apiClient(t.baseUrl, await issuer.mint({ sub: 'owner-2' }, { exp: 1 }));
    const roomId = String(json(await owner('POST', '/v1/rooms', { name: 'Grace' })).id);
    const { client } = await join(t.baseUrl, await ticketFor(owner, roomId));
    expect(await client.waitForClose(8000)).toBe(closeCodes.tokenExpired);
  });
});
