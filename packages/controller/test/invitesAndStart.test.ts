import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Invite, StartResponse } from '@plenum/protocol';
import { apiClient, json, type Api } from '../src/test-support/apiClient.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

describe('invites and starting a room', () => {
  let t: TestApp;
  let alice: Api;
  let bob: Api;
  let anonymous: Api;

  beforeAll(async () => {
    t = await startTestApp();
    alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    bob = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'bob', 'test-password')).accessToken);
    anonymous = apiClient(t.baseUrl);
  });
  afterAll(() => t.close());

  async function room(body: Record<string, unknown> = {}): Promise<string> {
    return String(json(await alice('POST', '/v1/rooms', { name: 'Planning', ...body })).id);
  }

  it('lets the owner create, list and revoke invites, and nobody else', async () => {
    const roomId = await room();
    const created = await alice('POST', `/v1/rooms/${roomId}/invites`, { maxUses: 3 });
    expect(created.status).toBe(201);
    const invite = Invite.parse(created.body);
    expect(invite).toMatchObject({ roomId, maxUses: 3, uses: 0, expiresAt: null });

    expect((await bob('POST', `/v1/rooms/${roomId}/invites`, {})).status).toBe(403);
    expect((await bob('GET', `/v1/rooms/${roomId}/invites`)).status).toBe(403);
    expect((await bob('DELETE', `/v1/rooms/${roomId}/invites/${invite.code}`)).status).toBe(403);

    const list = await alice('GET', `/v1/rooms/${roomId}/invites`);
    expect((list.body as { code: string }[]).map((i) => i.code)).toEqual([invite.code]);
    expect((await alice('DELETE', `/v1/rooms/${roomId}/invites/${invite.code}`)).status).toBe(204);
    expect((await alice('GET', `/v1/rooms/${roomId}/invites`)).body).toEqual([]);
    const verify = await anonymous('GET', `/v1/invites/${invite.code}`);
    expect(verify.status).toBe(410);
    expect(json(verify).code).toBe('invite_revoked');
  });

  it('verifies an invite without sign-in and tells whether a password is needed', async () => {
    const roomId = await room({ password: 'pw' });
    const invite = Invite.parse((await alice('POST', `/v1/rooms/${roomId}/invites`, {})).body);
    const verify = await anonymous('GET', `/v1/invites/${invite.code}`);
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual({ roomId, roomName: 'Planning', passwordRequired: true });
    const unknown = await anonymous('GET', `/v1/invites/${'A'.repeat(22)}`);
    expect(unknown.status).toBe(404);
    expect(json(unknown).code).toBe('invite_not_found');
  });

  it('refuses an invite expiry in the past', async () => {
    const roomId = await room();
    const past = await alice('POST', `/v1/rooms/${roomId}/invites`, { expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(json(past).code).toBe('invalid_time_range');
  });

  it('gives the owner a single-use ticket bound to user, room and display name', async () => {
    const roomId = await room({ password: 'pw' });
    const started = await alice('POST', `/v1/rooms/${roomId}/start`, {});
    expect(started.status).toBe(200);
    const { ticket, expiresIn } = StartResponse.parse(started.body);
    expect(expiresIn).toBe(30);
    const grant = await t.tickets.redeem(ticket);
    expect(grant).toMatchObject({ kind: 'user', roomId, displayName: 'Alice Adler' });
    expect(await t.tickets.redeem(ticket)).toBeUndefined();
  });

  it('asks others for the room password and refuses a wrong one', async () => {
    const roomId = await room({ password: 'correct horse' });
    const missing = await bob('POST', `/v1/rooms/${roomId}/start`, {});
    expect([missing.status, json(missing).code]).toEqual([403, 'password_required']);
    const wrong = await bob('POST', `/v1/rooms/${roomId}/start`, { password: 'battery staple' });
    expect([wrong.status, json(wrong).code]).toEqual([403, 'wrong_room_password']);
    const right = await bob('POST', `/v1/rooms/${roomId}/start`, { password: 'correct horse', displayName: 'Bobby' });
    expect(right.status).toBe(200);
    const grant = await t.tickets.redeem(StartResponse.parse(right.body).ticket);
    expect(grant).toMatchObject({ kind: 'user', displayName: 'Bobby' });
  });

  it('refuses to start without a token or for a room that does not exist', async () => {
    const roomId = await room();
    expect((await anonymous('POST', `/v1/rooms/${roomId}/start`, {})).status).toBe(401);
    const ghost = await alice('POST', '/v1/rooms/00000000-0000-4000-8000-000000000000/start', {});
    expect([ghost.status, json(ghost).code]).toEqual([404, 'room_not_found']);
  });

  it('admits a guest with an invite code and counts the use only on success', async () => {
    const roomId = await room({ password: 'pw' });
    const invite = Invite.parse((await alice('POST', `/v1/rooms/${roomId}/invites`, { maxUses: 1 })).body);
    const wrong = await anonymous('POST', `/v1/rooms/${roomId}/start_invited`, {
      inviteCode: invite.code,
      displayName: 'Guest',
      password: 'nope',
    });
    expect([wrong.status, json(wrong).code]).toEqual([403, 'wrong_room_password']);

    const ok = await anonymous('POST', `/v1/rooms/${roomId}/start_invited`, {
      inviteCode: invite.code,
      displayName: 'Guest',
      password: 'pw',
    });
    expect(ok.status).toBe(200);
    const grant = await t.tickets.redeem(StartResponse.parse(ok.body).ticket);
    expect(grant).toMatchObject({ kind: 'guest', roomId, displayName: 'Guest' });

    const again = await anonymous('POST', `/v1/rooms/${roomId}/start_invited`, {
      inviteCode: invite.code,
      displayName: 'Second guest',
      password: 'pw',
    });
    expect([again.status, json(again).code]).toEqual([410, 'invite_exhausted']);
  });

  it('does not let an invite open another room', async () => {
    const roomA = await room();
    const roomB = await room();
    const invite = Invite.parse((await alice('POST', `/v1/rooms/${roomA}/invites`, {})).body);
    const cross = await anonymous('POST', `/v1/rooms/${roomB}/start_invited`, { inviteCode: invite.code, displayName: 'Eve' });
    expect([cross.status, json(cross).code]).toEqual([404, 'invite_not_found']);
  });
});

describe('rate limits on sign-in-adjacent routes', () => {
  let t: TestApp;
  afterAll(() => t.close());

  it('answers 429 rate_limited after the per-minute budget and keeps serving other routes', async () => {
    t = await startTestApp({ env: { PLENUM_RATE_LIMIT_PER_MINUTE: '5' } });
    const anonymous = apiClient(t.baseUrl);
    const code = 'B'.repeat(22);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await anonymous('GET', `/v1/invites/${code}`)).status);
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    const limited = await anonymous('GET', `/v1/invites/${code}`);
    expect([limited.status, json(limited).code]).toEqual([429, 'rate_limited']);
    expect(limited.headers.get('retry-after')).toBeTruthy();
    // The server keeps serving other routes.
    expect((await anonymous('GET', '/healthz')).status).toBe(200);
  });
});
