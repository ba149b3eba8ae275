import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Invite, StartInvitedResponse, StartResponse, closeCodes } from '@plenum/protocol';
import { apiClient, json, type Api } from '../src/test-support/apiClient.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { SignalingClient } from '../src/test-support/signalingClient.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

describe('signaling: connection, control and chat', () => {
  let t: TestApp;
  let alice: Api;
  let bob: Api;
  let roomId: string;

  beforeAll(async () => {
    t = await startTestApp();
    alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    bob = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'bob', 'test-password')).accessToken);
    roomId = String(json(await alice('POST', '/v1/rooms', { name: 'Signaling' })).id);
  });
  afterAll(() => t.close());

  async function ticket(api: Api, room = roomId): Promise<string> {
    return StartResponse.parse((await api('POST', `/v1/rooms/${room}/start`, {})).body).ticket;
  }

  async function joined(api: Api, room = roomId): Promise<{ client: SignalingClient; id: string }> {
    const client = await SignalingClient.connect(t.baseUrl, await ticket(api, room));
    client.send('control', { action: 'join' });
    const success = await client.next('control', 'join_success');
    return { client, id: String(success.id) };
  }

  it('refuses the upgrade without a ticket, with an unknown ticket, and on ticket replay', async () => {
    await expect(SignalingClient.connect(t.baseUrl, 'x'.repeat(43))).rejects.toThrow('HTTP 401');
    const once = await ticket(alice);
    const first = await SignalingClient.connect(t.baseUrl, once);
    await expect(SignalingClient.connect(t.baseUrl, once)).rejects.toThrow('HTTP 401');
    first.close();
  });

  it('joins, sees others join and leave, and chats', async () => {
    const a = await joined(alice);
    const b = await joined(bob);
    const seen = await a.client.next('control', 'joined');
    expect((seen.participant as { id: string }).id).toBe(b.id);

    b.client.send('chat', { action: 'send_message', content: 'Hello <b>everyone</b>' });
    const message = await a.client.next('chat', 'message_sent');
    expect(message.chatMessage).toMatchObject({ source: b.id, content: 'Hello <b>everyone</b>', target: null });

    b.client.send('control', { action: 'leave' });
    expect(await b.client.waitForClose()).toBe(closeCodes.left);
    const left = await a.client.next('control', 'left');
    expect(left).toMatchObject({ id: b.id, reason: 'quit' });
    a.client.close();
  });

  it('admits a guest with an invite code', async () => {
    const invite = Invite.parse((await alice('POST', `/v1/rooms/${roomId}/invites`, {})).body);
    const start = await apiClient(t.baseUrl)('POST', `/v1/rooms/${roomId}/start_invited`, { inviteCode: invite.code, displayName: 'Gast' });
    const { ticket: guestTicket } = StartInvitedResponse.parse(start.body);
    const guest = await SignalingClient.connect(t.baseUrl, guestTicket);
    guest.send('control', { action: 'join' });
    const success = await guest.next('control', 'join_success');
    expect(success).toMatchObject({ role: 'guest', displayName: 'Gast' });
    guest.close();
  });
});
