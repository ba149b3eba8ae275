import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IceConfiguration, Invite, MediaJoinData, StartInvitedResponse, StartResponse } from '@plenum/protocol';
import { apiClient, json, type Api } from '../src/test-support/apiClient.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { SignalingClient } from '../src/test-support/signalingClient.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

const secret = 'a-shared-secret-of-the-turn-server';
/** Nothing listens there (loopback port 9 is discard, closed here): the relay "does not answer". */
const urls = ['turn:127.0.0.1:9?transport=udp', 'turns:127.0.0.1:9?transport=tcp'];
const graceSeconds = 30;

/** What a TURN server with `use-auth-secret` accepts for `username`. */
const expectedCredential = (username: string) => createHmac('sha1', secret).update(username).digest('base64');

/**
 * TURN credentials go only to participants whose token was checked, in `join_success`, and
 * last as long as that token (plus the grace period); a refreshed token brings new ones.
 */
describe('ICE servers for participants (TURN REST credentials)', () => {
  let t: TestApp;
  let bridgeDir: string;
  let alice: Api;
  let roomId: string;

  beforeAll(async () => {
    bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-ice-'));
    t = await startTestApp({
      env: {
        PLENUM_BRIDGE_LAUNCHER: 'sandbox',
        PLENUM_BRIDGE_DIR: bridgeDir,
        PLENUM_BRIDGE_GRACE: '1',
        PLENUM_TURN: 'external',
        PLENUM_TURN_URLS: urls.join(','),
        PLENUM_TURN_SECRET: secret,
        PLENUM_SIGNALING_TOKEN_GRACE: String(graceSeconds),
      },
    });
    alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    roomId = String(json(await alice('POST', '/v1/rooms', { name: 'Relay' })).id);
  });

  afterAll(async () => {
    await t.close();
    rmSync(bridgeDir, { recursive: true, force: true });
  });

  function checkIce(ice: IceConfiguration, participant: string, tokenExpiresAt: string): void {
    const [server] = ice.iceServers;
    expect(ice.iceServers).toHaveLength(1);
    expect(server?.urls).toEqual(urls);
    const expiresAtMs = Date.parse(tokenExpiresAt) + graceSeconds * 1000;
    expect(server?.username).toBe(`${Math.floor(expiresAtMs / 1000)}:${participant}`);
    expect(server?.credential).toBe(expectedCredential(server?.username ?? ''));
    expect(ice.expiresAt).toBe(new Date(expiresAtMs).toISOString());
  }

  it('hands a user credentials valid for its token, and new ones with a refreshed token', async () => {
    const ticket = StartResponse.parse((await alice('POST', `/v1/rooms/${roomId}/start`, {})).body).ticket;
    const client = await SignalingClient.connect(t.baseUrl, ticket);
    client.send('control', { action: 'join' });
    const success = await client.next('control', 'join_success');
    const media = MediaJoinData.parse((success.modules as Record<string, unknown>).media);
    checkIce(media.ice, String(success.id), String(success.tokenExpiresAt));

    // Token expiry has whole seconds: a second later the new token, and its credentials, differ.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const fresh = await devLogin(t.baseUrl, 'alice', 'test-password');
    client.send('control', { action: 'refresh_token', token: fresh.accessToken });
    const refreshed = await client.next('control', 'token_refreshed');
    const renewed = await client.next('media', 'ice_servers');
    checkIce(IceConfiguration.parse(renewed.ice), String(success.id), String(refreshed.tokenExpiresAt));
    expect(renewed.ice).not.toEqual(media.ice);
    client.close();
  });

  it('hands a guest credentials valid for its guest token', async () => {
    const invite = Invite.parse((await alice('POST', `/v1/rooms/${roomId}/invites`, {})).body);
    const start = await apiClient(t.baseUrl)('POST', `/v1/rooms/${roomId}/start_invited`, { inviteCode: invite.code, displayName: 'Gast' });
    const guest = await SignalingClient.connect(t.baseUrl, StartInvitedResponse.parse(start.body).ticket);
    guest.send('control', { action: 'join' });
    const success = await guest.next('control', 'join_success');
    checkIce(MediaJoinData.parse((success.modules as Record<string, unknown>).media).ice, String(success.id), String(success.tokenExpiresAt));
    guest.close();
  });

  it('says in /readyz that the TURN server does not answer', async () => {
    const ready = await apiClient(t.baseUrl)('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(json(ready).message).toMatch(/TURN relay: .*not answering/);
  });

  it('never writes the TURN secret into the log', () => {
    expect(t.logs.join('\n')).not.toContain(secret);
  });
});
