import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartResponse, type VideoCodec } from '@plenum/protocol';
import { namespacePids } from '../src/bridge/launchers/shared/networkNamespace.js';
import { apiClient, json, type Api } from '../src/test-support/apiClient.js';
import { launchBrowser } from '../src/test-support/browser.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { openParticipant, serveMediaPage, type MediaParticipant } from '../src/test-support/mediaParticipant.js';
import { SignalingClient } from '../src/test-support/signalingClient.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';
import { execFileSync } from 'node:child_process';

const bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-media-bridges-'));

function plenumNamespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith('plenum-'));
}

describe('media through the conference bridge, in Chromium', () => {
  let t: TestApp;
  let alice: Api;
  let bob: Api;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let pageServer: Awaited<ReturnType<typeof serveMediaPage>>;

  beforeAll(async () => {
    t = await startTestApp({ env: { PLENUM_BRIDGE_LAUNCHER: 'sandbox', PLENUM_BRIDGE_DIR: bridgeDir, PLENUM_BRIDGE_GRACE: '1' } });
    alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    bob = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'bob', 'test-password')).accessToken);
    browser = await launchBrowser();
    pageServer = await serveMediaPage();
  });
  afterAll(async () => {
    await browser.close();
    await pageServer.close();
    await t.close();
    rmSync(bridgeDir, { recursive: true, force: true });
  });

  const wsUrl = () => `${t.baseUrl.replace('http', 'ws')}/v1/signaling`;
  const ticket = async (api: Api, roomId: string) => StartResponse.parse((await api('POST', `/v1/rooms/${roomId}/start`, {})).body).ticket;

  async function call(codec: VideoCodec): Promise<{ roomId: string; a: MediaParticipant; b: MediaParticipant; aId: string; bId: string }> {
    const roomId = String(json(await alice('POST', '/v1/rooms', { name: `Media ${codec}`, videoCodec: codec })).id);
    const a = await openParticipant(browser.context, pageServer.url, { wsUrl: wsUrl(), ticket: await ticket(alice, roomId) });
    const b = await openParticipant(browser.context, pageServer.url, { wsUrl: wsUrl(), ticket: await ticket(bob, roomId) });
    return { roomId, a, b, aId: await a.id(), bId: await b.id() };
  }

  for (const codec of ['vp8', 'vp9', 'av1'] as const) {
    it(`two participants see and hear each other with ${codec}`, async () => {
      const { a, b, aId, bId } = await call(codec);
      const aSeesB = await a.waitForVideoFrom(bId, { minFrames: 5 });
      const bSeesA = await b.waitForVideoFrom(aId, { minFrames: 5 });
      expect(aSeesB.codec?.toLowerCase()).toContain(codec);
      expect(bSeesA.codec?.toLowerCase()).toContain(codec);
      await a.waitForAudioFrom(bId, { minPackets: 20 });
      await b.waitForAudioFrom(aId, { minPackets: 20 });
      await a.close();
      await b.close();
    });
  }

  it("a moderator's mute stops the participant's audio at the bridge; unmuting restores it", async () => {
    const { roomId, a, b, bId } = await call('vp8');
    await a.waitForAudioFrom(bId, { minPackets: 20 });
    // Alice moderates from a second connection of hers (she owns the room).
    const moderator = await SignalingClient.connect(t.baseUrl, await ticket(alice, roomId));
    moderator.send('control', { action: 'join' });
    await moderator.next('control', 'join_success');
    moderator.send('media', { action: 'mute', targets: [bId] });

    // Packets stop arriving: two readings half a second apart are equal.
    const settled = async () => {
      const first = await a.audioPacketsFrom(bId);
      await new Promise((resolve) => setTimeout(resolve, 500));
      return (await a.audioPacketsFrom(bId)) - first;
    };
    await a.poll('audio from bob to stop', settled, (growth) => growth === 0, 10_000);
    await b.poll('bob to learn he was muted', async () => (await b.state()).media.forceMuted, (muted) => muted, 5000);

    await b.setMicrophone(true);
    await a.poll('audio from bob to come back', settled, (growth) => growth > 5, 10_000);
    moderator.send('control', { action: 'leave' });
    await moderator.waitForClose();
    await a.close();
    await b.close();
  });

  /** This room's bridge: other test files run bridges of their own at the same time. */
  const bridgeOf = async (roomId: string) => (await t.app.signaling.bridges.get(roomId, 'vp8')).bridge;

  it('recovers media without a reload when the bridge process is killed mid-call', async () => {
    const { roomId, a, b, aId, bId } = await call('vp8');
    await a.waitForVideoFrom(bId, { minFrames: 5 });
    const namespace = `plenum-${(await bridgeOf(roomId)).id}`;
    for (const pid of await namespacePids(namespace)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    const framesBefore = (await a.stats()).remote[bId]?.framesDecoded ?? 0;
    await a.poll('video from bob again', async () => (await a.stats()).remote[bId]?.framesDecoded ?? 0, (frames) => frames > 5 && frames !== framesBefore, 20_000);
    await b.waitForVideoFrom(aId, { minFrames: 5, timeoutMs: 20_000 });
    await a.close();
    await b.close();
  });

  it('stops and wipes the bridge once everyone has left, after the grace period', async () => {
    const { roomId, a, b, bId } = await call('vp8');
    await a.waitForVideoFrom(bId);
    const { id } = await bridgeOf(roomId);
    await a.close();
    await b.close();
    await expect.poll(() => plenumNamespaces().includes(`plenum-${id}`), { timeout: 15_000 }).toBe(false);
    await expect.poll(() => readdirSync(bridgeDir).includes(id), { timeout: 5000 }).toBe(false);
  });
});

describe('media with the bridge commanded through RabbitMQ', () => {
  let t: TestApp;
  let alice: Api;
  let bob: Api;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let pageServer: Awaited<ReturnType<typeof serveMediaPage>>;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        PLENUM_BRIDGE_LAUNCHER: 'sandbox',
        PLENUM_BRIDGE_DIR: bridgeDir,
        PLENUM_BRIDGE_GRACE: '1',
        PLENUM_AMQP_URL: process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
      },
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
  });

  it('relays the call and enforces a mute with every Janus request going through the broker', async () => {
    const roomId = String(json(await alice('POST', '/v1/rooms', { name: 'Via RabbitMQ' })).id);
    const wsUrl = `${t.baseUrl.replace('http', 'ws')}/v1/signaling`;
    const ticket = async (api: Api) => StartResponse.parse((await api('POST', `/v1/rooms/${roomId}/start`, {})).body).ticket;
    const a = await openParticipant(browser.context, pageServer.url, { wsUrl, ticket: await ticket(alice) });
    const b = await openParticipant(browser.context, pageServer.url, { wsUrl, ticket: await ticket(bob) });
    const [aId, bId] = [await a.id(), await b.id()];
    await a.waitForVideoFrom(bId, { minFrames: 5 });
    await b.waitForVideoFrom(aId, { minFrames: 5 });
    await a.waitForAudioFrom(bId, { minPackets: 20 });

    const moderator = await SignalingClient.connect(t.baseUrl, await ticket(alice));
    moderator.send('control', { action: 'join' });
    await moderator.next('control', 'join_success');
    moderator.send('media', { action: 'mute', targets: [bId] });
    const growth = async () => {
      const first = await a.audioPacketsFrom(bId);
      await new Promise((resolve) => setTimeout(resolve, 500));
      return (await a.audioPacketsFrom(bId)) - first;
    };
    await a.poll('audio from bob to stop', growth, (n) => n === 0, 10_000);
    moderator.send('control', { action: 'leave' });
    await moderator.waitForClose();
    await a.close();
    await b.close();
  });
});
