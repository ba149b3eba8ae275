import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { StartResponse, closeCodes, signalingSubprotocol, ticketSubprotocolPrefix } from '@plenum/protocol';
import { apiClient, json, type Api } from '../src/test-support/apiClient.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { SignalingClient } from '../src/test-support/signalingClient.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

describe('signaling keepalive', () => {
  let t: TestApp;
  let alice: Api;
  let roomId: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { PLENUM_SIGNALING_PING_INTERVAL: '1', PLENUM_SIGNALING_RESUMPTION_WINDOW: '1', PLENUM_SIGNALING_JOIN_TIMEOUT: '2' } });
    alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    roomId = String(json(await alice('POST', '/v1/rooms', { name: 'Keepalive' })).id);
  });
  afterAll(() => t.close());

  const ticket = async () => StartResponse.parse((await alice('POST', `/v1/rooms/${roomId}/start`, {})).body).ticket;

  it('drops a connection that stops answering pings, and the others see it leave', async () => {
    const watcher = await SignalingClient.connect(t.baseUrl, await ticket());
    watcher.send('control', { action: 'join' });
    await watcher.next('control', 'join_success');

    // A client whose network died: it never answers pings.
    const silent = new WebSocket(`${t.baseUrl.replace('http', 'ws')}/v1/signaling`, [signalingSubprotocol, `${ticketSubprotocolPrefix}${await ticket()}`], {
      autoPong: false,
    });
    await new Promise((resolve) => silent.once('open', resolve));
    silent.send(JSON.stringify({ namespace: 'control', payload: { action: 'join' } }));
    const joined = await watcher.next('control', 'joined');
    const silentId = (joined.participant as { id: string }).id;

    const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    expect(await closed).toBe(1006);
    const left = await watcher.waitFor((e) => e.payload.message === 'left' && e.payload.id === silentId, { timeoutMs: 8000 });
    expect(left.payload.reason).toBe('timeout');
    // A client that answers pings stays connected.
    expect(watcher.closeCode).toBeUndefined();
    watcher.close();
  });

  it('closes a socket that never joins after the join timeout', async () => {
    const idle = await SignalingClient.connect(t.baseUrl, await ticket());
    expect(await idle.waitForClose(5000)).toBe(closeCodes.joinTimeout);
  });
});
