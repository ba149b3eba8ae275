import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartResponse } from '@plenum/protocol';
import { apiClient, json, type Api } from '../src/test-support/apiClient.js';
import { launchBrowser } from '../src/test-support/browser.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { openParticipant, serveMediaPage } from '../src/test-support/mediaParticipant.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';
import { testHostAddress } from '../src/test-support/launchers/hostAddress.js';

const bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-host-media-'));

/**
 * The host launcher's media path, with a stand-in for the machine's LAN address (the host side
 * of a veth made by the test): Janus gathers only there, and the browsers offer only their
 * candidate on that address, so no packet is sent to the machine's real address.
 */
describe('media through a conference bridge on the host network (PLENUM_BRIDGE_LAUNCHER=host), in Chromium', () => {
  let host: Awaited<ReturnType<typeof testHostAddress>>;
  let t: TestApp;
  let alice: Api;
  let bob: Api;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let pageServer: Awaited<ReturnType<typeof serveMediaPage>>;

  beforeAll(async () => {
    host = await testHostAddress();
    t = await startTestApp({
      env: { PLENUM_BRIDGE_LAUNCHER: 'host', PLENUM_BRIDGE_HOST_ADDRESS: host.address, PLENUM_BRIDGE_DIR: bridgeDir, PLENUM_BRIDGE_GRACE: '1' },
    });
    alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    bob = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'bob', 'test-password')).accessToken);
    browser = await launchBrowser();
    pageServer = await serveMediaPage();
  });

  afterAll(async () => {
    await browser.close();
    await pageServer.close();
    await t.close();
    await host.remove();
    rmSync(bridgeDir, { recursive: true, force: true });
  });

  it('warns at start that isolation is reduced', () => {
    expect(t.logs.join('')).toMatch(/isolation is reduced/);
  });

  it('two participants decode each other’s video and hear each other; the bridge’s directory goes when they leave', async () => {
    const roomId = String(json(await alice('POST', '/v1/rooms', { name: 'On the host', videoCodec: 'vp8' })).id);
    const wsUrl = `${t.baseUrl.replace('http', 'ws')}/v1/signaling`;
    const ticket = async (api: Api) => StartResponse.parse((await api('POST', `/v1/rooms/${roomId}/start`, {})).body).ticket;
    const join = { wsUrl, candidateAddressPrefixes: [host.address] };
    const a = await openParticipant(browser.context, pageServer.url, { ...join, ticket: await ticket(alice) });
    const b = await openParticipant(browser.context, pageServer.url, { ...join, ticket: await ticket(bob) });
    const [aId, bId] = [await a.id(), await b.id()];
    const { bridge } = await t.app.signaling.bridges.get(roomId, 'vp8');
    expect(bridge.mediaAddress).toBe(host.address);

    expect((await a.waitForVideoFrom(bId, { minFrames: 5, timeoutMs: 20_000 })).codec?.toLowerCase()).toContain('vp8');
    expect((await b.waitForVideoFrom(aId, { minFrames: 5, timeoutMs: 20_000 })).codec?.toLowerCase()).toContain('vp8');
    await a.waitForAudioFrom(bId, { minPackets: 20 });
    await b.waitForAudioFrom(aId, { minPackets: 20 });

    await a.close();
    await b.close();
    await expect.poll(() => existsSync(path.join(bridgeDir, bridge.id)), { timeout: 20_000 }).toBe(false);
  });
});
