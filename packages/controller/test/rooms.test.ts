import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Room } from '@plenum/protocol';
import { apiClient, json, type Api } from '../src/test-support/apiClient.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

describe('rooms API', () => {
  let t: TestApp;
  let alice: Api;
  let bob: Api;

  beforeAll(async () => {
    t = await startTestApp();
    alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    bob = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'bob', 'test-password')).accessToken);
  });
  afterAll(() => t.close());

  it('creates a room with defaults and never returns its password', async () => {
    const created = await alice('POST', '/v1/rooms', { name: 'Daily stand-up', password: 's3cret' });
    expect(created.status).toBe(201);
    const room = Room.parse(created.body);
    expect(room).toMatchObject({ name: 'Daily stand-up', hasPassword: true, waitingRoom: false, videoCodec: 'vp8' });
    expect(JSON.stringify(created.body)).not.toContain('s3cret');
    expect(JSON.stringify(created.body)).not.toContain('scrypt');
    expect(json(created)).not.toHaveProperty('passwordHash');
  });

  it('lists only my own rooms', async () => {
    await alice('POST', '/v1/rooms', { name: 'Alice only' });
    await bob('POST', '/v1/rooms', { name: 'Bob only' });
    const mine = await bob('GET', '/v1/rooms');
    expect(mine.status).toBe(200);
    const names = (mine.body as { name: string }[]).map((r) => r.name);
    expect(names).toContain('Bob only');
    expect(names).not.toContain('Alice only');
  });

  it('lets any signed-in user read a room but only the owner change or delete it', async () => {
    const room = json(await alice('POST', '/v1/rooms', { name: 'Board', videoCodec: 'av1' }));
    const read = await bob('GET', `/v1/rooms/${String(room.id)}`);
    expect(read.status).toBe(200);
    expect(json(read).videoCodec).toBe('av1');

    const patch = await bob('PATCH', `/v1/rooms/${String(room.id)}`, { name: 'Hijacked' });
    expect(patch.status).toBe(403);
    expect(json(patch).code).toBe('not_room_owner');
    const del = await bob('DELETE', `/v1/rooms/${String(room.id)}`);
    expect(del.status).toBe(403);
    expect(json(await alice('GET', `/v1/rooms/${String(room.id)}`)).name).toBe('Board');
  });

  it('changes fields one at a time and removes a password with null', async () => {
    const room = json(await alice('POST', '/v1/rooms', { name: 'Retro', password: 'pw' }));
    const renamed = await alice('PATCH', `/v1/rooms/${String(room.id)}`, { name: 'Retrospective', waitingRoom: true });
    expect(json(renamed)).toMatchObject({ name: 'Retrospective', waitingRoom: true, hasPassword: true, videoCodec: 'vp8' });
    const open = await alice('PATCH', `/v1/rooms/${String(room.id)}`, { password: null });
    expect(json(open)).toMatchObject({ name: 'Retrospective', hasPassword: false });
    const codec = await alice('PATCH', `/v1/rooms/${String(room.id)}`, { videoCodec: 'vp9' });
    expect(json(codec).videoCodec).toBe('vp9');
  });

  it('deletes a room; afterwards it is not found', async () => {
    const room = json(await alice('POST', '/v1/rooms', { name: 'Short-lived' }));
    expect((await alice('DELETE', `/v1/rooms/${String(room.id)}`)).status).toBe(204);
    const gone = await alice('GET', `/v1/rooms/${String(room.id)}`);
    expect(gone.status).toBe(404);
    expect(json(gone).code).toBe('room_not_found');
  });

  it('shows and changes my profile', async () => {
    const me = json(await alice('GET', '/v1/users/me'));
    expect(me).toMatchObject({ displayName: 'Alice Adler', email: 'alice@plenum.test' });
    const renamed = await alice('PATCH', '/v1/users/me', { displayName: 'Alice A.' });
    expect(json(renamed).displayName).toBe('Alice A.');
    // A later sign-in must not overwrite the name the user chose.
    const again = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    expect(json(await again('GET', '/v1/users/me')).displayName).toBe('Alice A.');
  });
});
