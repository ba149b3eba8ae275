import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBridgeImage, useEngine, type EngineService } from '../src/test-support/launchers/containerEngine.js';
import { chromiumArgs } from '../src/test-support/browser.js';
import { leftoverForwardingRules, TestNetworks, type ClientKind, type ClientNetwork } from '../src/test-support/networks.js';
import { recordPeerConnections, selectedPairs, type SelectedPair } from '../src/test-support/peerStats.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';
import { assertWebClientBuilt, joinFromLobby, openParticipant, signIn, smallWindow, waitForMediaFrom, webMeetingEnv, type Participant } from '../src/test-support/webClient.js';

/** TURN over TLS on 443, as in production: a firewall that lets only HTTPS out lets it through. */
const turnTlsPort = 443;
const ociImage = process.env.PLENUM_TEST_OCI_IMAGE ?? 'plenum-janus:1.1.2';

/**
 * Browsers on other networks: each Chromium runs in a network namespace of its own that
 * reaches nothing but the server's public address (a documentation-range address this test
 * puts on the host). Media goes to that address, forwarded into the sandboxed bridge, or
 * through the embedded TURN relay where the network allows no UDP.
 */
/** A controller serving HTTPS on a public address of a test network, with TURN, and browsers on networks of their own. */
function meetingsAcrossNetworks(launcherEnv: () => Record<string, string>) {
  const state = {} as { networks: TestNetworks; t: TestApp; bridgeDir: string };
  const browsers: Browser[] = [];
  let rooms = 0;

  beforeAll(async () => {
    assertWebClientBuilt();
    state.networks = await TestNetworks.create();
    state.bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-net-bridges-'));
    state.t = await startTestApp({
      env: {
        ...webMeetingEnv(state.bridgeDir),
        ...launcherEnv(),
        PLENUM_HOST: state.networks.publicAddress,
        PLENUM_TLS_SELF_SIGNED: state.networks.publicAddress,
        PLENUM_MEDIA_PUBLIC_ADDRESS: state.networks.publicAddress,
        PLENUM_TURN: 'embedded',
        PLENUM_TURN_TLS_PORT: String(turnTlsPort),
        // A participant whose test failed before it left frees its seat (and the bridge) soon.
        PLENUM_SIGNALING_RESUMPTION_WINDOW: '5',
      },
    });
  }, 120_000);

  afterAll(async () => {
    for (const browser of browsers.splice(0)) await browser.close().catch(() => undefined);
    await state.t.close();
    rmSync(state.bridgeDir, { recursive: true, force: true });
    await state.networks.close();
  });

  /** A participant whose browser runs on a network of the given kind. */
  async function participantOn(kind: ClientKind): Promise<Participant & { network: ClientNetwork }> {
    const network = await state.networks.client(kind);
    const browser = await chromium.launch({
      executablePath: network.chromium,
      headless: true,
      // The test's certificate is self-signed; the browser is told to accept it, as a user would click through.
      args: [...chromiumArgs, '--autoplay-policy=no-user-gesture-required', '--ignore-certificate-errors'],
    });
    browsers.push(browser);
    const participant = await openParticipant(browser, smallWindow);
    await recordPeerConnections(participant.context);
    return { ...participant, network };
  }

  /** Alice opens a room and Bob joins it; both see and hear each other. */
  async function meet(alice: Participant, bob: Participant): Promise<void> {
    const { t } = state;
    const name = `Across networks ${++rooms}`;
    await signIn(alice.page, t.baseUrl, 'alice');
    await alice.page.getByLabel('Room name').fill(name);
    await alice.page.getByRole('button', { name: 'Create room' }).click();
    const room = alice.page.locator('li.room-item', { hasText: name });
    const roomId = await room.getAttribute('data-room');
    await room.getByRole('button', { name: 'Enter' }).click();
    await joinFromLobby(alice.page);
    await signIn(bob.page, t.baseUrl, 'bob', `/room/${roomId ?? ''}`);
    await joinFromLobby(bob.page);
    await waitForMediaFrom(alice.page, 1, 60_000);
    await waitForMediaFrom(bob.page, 1, 60_000);
  }

  /** Everyone leaves with the Leave button (a closed tab would keep its seat for the resumption window). */
  async function leave(...people: Participant[]): Promise<void> {
    for (const person of people) {
      expect(person.problems).toEqual([]);
      await person.page.getByRole('button', { name: 'Leave' }).click();
      await person.page.locator('.conference').waitFor({ state: 'detached' });
      await person.context.close();
    }
  }

  /** Video from the other participant is decoded now, not only at some point before. */
  async function waitForFramesGrowing(person: Participant): Promise<void> {
    const frames = async () => Number((await person.page.locator('figure.tile:not([data-self])[data-kind="camera"]').getAttribute('data-frames-decoded')) ?? 0);
    let last = await frames();
    await expect
      .poll(async () => {
        const now = await frames();
        const growing = now > last;
        last = now;
        return growing;
      }, { timeout: 45_000, interval: 2500 })
      .toBe(true);
  }

  const direct = (pair: SelectedPair) => pair.localType !== 'relay' && pair.remoteAddress === state.networks.publicAddress;
  /** Closes every browser still open (a failed test leaves its participants behind). */
  async function closeBrowsers(): Promise<void> {
    for (const browser of browsers.splice(0)) await browser.close().catch(() => undefined);
  }

  return { state, participantOn, meet, leave, direct, waitForFramesGrowing, closeBrowsers };
}

describe('a meeting between browsers on other networks (sandbox bridge)', () => {
  const { state, participantOn, meet, leave, direct, waitForFramesGrowing, closeBrowsers } = meetingsAcrossNetworks(() => ({ PLENUM_BRIDGE_LAUNCHER: 'sandbox' }));

  it('two browsers, each on its own network, meet through the public address', async () => {
    const alice = await participantOn('direct');
    const bob = await participantOn('direct');
    await meet(alice, bob);
    // Every connection (publication and subscription) goes straight to the public address.
    for (const person of [alice, bob]) {
      const pairs = await selectedPairs(person.page);
      expect(pairs.length).toBeGreaterThanOrEqual(2);
      expect(pairs.every(direct), JSON.stringify(pairs)).toBe(true);
    }
    await leave(alice, bob);
  }, 150_000);

  it('a browser behind NAT meets one on another network', async () => {
    const alice = await participantOn('nat');
    const bob = await participantOn('direct');
    await meet(alice, bob);
    expect((await selectedPairs(alice.page)).every(direct)).toBe(true);
    await leave(alice, bob);
  }, 150_000);

  it('a browser whose network drops all UDP gets media through TURN over TCP', async () => {
    const alice = await participantOn('no-udp');
    const bob = await participantOn('direct');
    await meet(alice, bob);
    const pairs = await selectedPairs(alice.page);
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    expect(pairs.every((pair) => pair.localType === 'relay' && pair.relayProtocol === 'tcp'), JSON.stringify(pairs)).toBe(true);
    await leave(alice, bob);
  }, 150_000);

  it('a browser that may reach only HTTPS and port 443 gets media through TURN over TLS', async () => {
    const port = Number(new URL(state.t.baseUrl).port);
    const alice = await participantOn({ tcpPorts: [port, turnTlsPort] });
    const bob = await participantOn('direct');
    await meet(alice, bob);
    const pairs = await selectedPairs(alice.page);
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    expect(pairs.every((pair) => pair.localType === 'relay' && pair.relayProtocol === 'tls'), JSON.stringify(pairs)).toBe(true);
    await leave(alice, bob);
  }, 150_000);

  it('a browser whose network stops passing UDP mid-meeting repairs its connections through the relay, as the same participant, without a reload', async () => {
    const alice = await participantOn('direct');
    const bob = await participantOn('direct');
    await meet(alice, bob);
    expect((await selectedPairs(alice.page)).every(direct)).toBe(true);
    const aliceId = await bob.page.locator('figure.tile:not([data-self])').getAttribute('data-participant');
    await alice.page.evaluate('window.__samePage = true');

    await state.networks.dropUdp(alice.network);
    // Broken connections are noticed within seconds and made anew through the relay, over TCP
    // or TLS (both reach it; which pair wins first is the browser's choice).
    const deadline = Date.now() + 120_000;
    let pairs = await selectedPairs(alice.page);
    while (!(pairs.length >= 2 && pairs.every((pair) => pair.localType === 'relay' && pair.relayProtocol !== 'udp'))) {
      if (Date.now() > deadline) throw new Error(`connections not repaired through the relay: ${JSON.stringify(pairs)}`);
      await alice.page.waitForTimeout(1000);
      pairs = await selectedPairs(alice.page);
    }
    await waitForFramesGrowing(alice);
    await waitForFramesGrowing(bob);
    expect(await bob.page.locator('figure.tile:not([data-self])').getAttribute('data-participant')).toBe(aliceId);
    expect(await alice.page.evaluate('window.__samePage === true')).toBe(true);
    await leave(alice, bob);
  }, 300_000);

  it('leaves no forwarding rule behind once the meetings are over', async () => {
    await closeBrowsers();
    // Bridges outlive their last participant by PLENUM_BRIDGE_GRACE (1 s here).
    await expect.poll(() => leftoverForwardingRules(), { timeout: 30_000, interval: 500 }).toEqual([]);
  }, 45_000);
});

describe('a meeting between browsers on other networks (oci bridge)', () => {
  const engine = {} as { service: EngineService };
  beforeAll(async () => {
    engine.service = await useEngine(process.env.PLENUM_TEST_OCI_SOCKET);
    await ensureBridgeImage(engine.service.socketPath, ociImage);
  }, 600_000);
  afterAll(async () => {
    await engine.service.stop();
  });
  const { participantOn, meet, leave, direct } = meetingsAcrossNetworks(() => ({
    PLENUM_BRIDGE_LAUNCHER: 'oci',
    PLENUM_BRIDGE_OCI_SOCKET: engine.service.socketPath,
    PLENUM_BRIDGE_OCI_IMAGE: ociImage,
  }));

  it('two browsers, each on its own network, meet through the public address', async () => {
    const alice = await participantOn('direct');
    const bob = await participantOn('nat');
    await meet(alice, bob);
    for (const person of [alice, bob]) {
      const pairs = await selectedPairs(person.page);
      expect(pairs.every(direct), JSON.stringify(pairs)).toBe(true);
    }
    await leave(alice, bob);
    await expect.poll(() => leftoverForwardingRules(), { timeout: 30_000, interval: 500 }).toEqual([]);
  }, 180_000);
});
