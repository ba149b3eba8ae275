import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartResponse } from '@plenum/protocol';
import { apiClient, json, type Api } from '../src/test-support/apiClient.js';
import { launchBrowser } from '../src/test-support/browser.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { openParticipant, serveMediaPage } from '../src/test-support/mediaParticipant.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';
import { bridgeLabel } from '../src/bridge/launchers/oci/ociLauncher.js';
import { ensureBridgeImage, useEngine, type EngineService } from '../src/test-support/launchers/containerEngine.js';

const image = process.env.PLENUM_TEST_OCI_IMAGE ?? 'plenum-janus:1.1.2';
const bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-oci-media-'));

describe('media through a conference bridge in an OCI container (PLENUM_BRIDGE_LAUNCHER=oci), in Chromium', () => {
  let engine: EngineService;
  let t: TestApp;
  let alice: Api;
  let bob: Api;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let pageServer: Awaited<ReturnType<typeof serveMediaPage>>;

  beforeAll(async () => {
    engine = await useEngine(process.env.PLENUM_TEST_OCI_SOCKET);
    await ensureBridgeImage(engine.socketPath, image);
    t = await startTestApp({
      env: { PLENUM_BRIDGE_LAUNCHER: 'oci', PLENUM_BRIDGE_OCI_SOCKET: engine.socketPath, PLENUM_BRIDGE_OCI_IMAGE: image, PLENUM_BRIDGE_DIR: bridgeDir, PLENUM_BRIDGE_GRACE: '1' },
    });
    alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    bob = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'bob', 'test-password')).accessToken);
    browser = await launchBrowser();
    pageServer = await serveMediaPage();
  }, 600_000);

  afterAll(async () => {
    await browser.close();
    await pageServer.close();
    await t.close();
    await engine.stop();
    rmSync(bridgeDir, { recursive: true, force: true });
  });

  it('two participants decode each other’s video and hear each other; the container goes when they leave', async () => {
    const roomId = String(json(await alice('POST', '/v1/rooms', { name: 'In a container', videoCodec: 'vp8' })).id);
    const wsUrl = `${t.baseUrl.replace('http', 'ws')}/v1/signaling`;
    const ticket = async (api: Api) => StartResponse.parse((await api('POST', `/v1/rooms/${roomId}/start`, {})).body).ticket;
    // Offer the bridge only the browser's candidates on the bridges' range (the container's gateway).
    const join = { wsUrl, candidateAddressPrefixes: ['198.18.', '198.19.'] };
    const a = await openParticipant(browser.context, pageServer.url, { ...join, ticket: await ticket(alice) });
    const b = await openParticipant(browser.context, pageServer.url, { ...join, ticket: await ticket(bob) });
    const [aId, bId] = [await a.id(), await b.id()];

    const { bridge } = await t.app.signaling.bridges.get(roomId, 'vp8');
    const docker = new Docker({ socketPath: engine.socketPath });
    const filters = JSON.stringify({ label: [`${bridgeLabel}=${bridge.id}`] });
    expect(await docker.listContainers({ filters })).toHaveLength(1);

    expect((await a.waitForVideoFrom(bId, { minFrames: 5, timeoutMs: 20_000 })).codec?.toLowerCase()).toContain('vp8');
    expect((await b.waitForVideoFrom(aId, { minFrames: 5, timeoutMs: 20_000 })).codec?.toLowerCase()).toContain('vp8');
    await a.waitForAudioFrom(bId, { minPackets: 20 });
    await b.waitForAudioFrom(aId, { minPackets: 20 });

    await a.close();
    await b.close();
    await expect.poll(async () => (await docker.listContainers({ all: true, filters })).length, { timeout: 20_000 }).toBe(0);
    await expect.poll(async () => (await docker.listNetworks({ filters })).length, { timeout: 5000 }).toBe(0);
  });
});
