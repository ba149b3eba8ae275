import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
// The protocol's source: its dist may predate the media namespace.
import { ControlCommand, ControlEvent } from '../../../protocol/src/signaling/control.js';
import { CommandEnvelope } from '../../../protocol/src/signaling/envelope.js';
import { MediaCommand, MediaEvent } from '../../../protocol/src/signaling/media.js';
import type { BridgeCandidate, FakeBridgeApi } from '../../../web/test-support/mediaPage/api.js';
import { launchBrowser } from './browser.js';
import { callMediaPage, mediaPageLog, openMediaPage, openParticipant, serveMediaPage, type JoinOptions, type MediaParticipant } from './mediaParticipant.js';

/**
 * launchBrowser() with one more flag: Chromium gathers loopback candidates only with
 * --allow-loopback-in-peer-connection, and the in-page call must not use the machine's own
 * external address. (launchBrowser() takes no extra arguments, so its launch is wrapped.)
 */
async function launchBrowserWithLoopback(): ReturnType<typeof launchBrowser> {
  const original = chromium.launchPersistentContext.bind(chromium);
  chromium.launchPersistentContext = (dir, options) =>
    original(dir, { ...options, args: [...(options?.args ?? []), '--allow-loopback-in-peer-connection'] });
  try {
    return await launchBrowser();
  } finally {
    chromium.launchPersistentContext = original;
  }
}

describe('the media test page in Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let server: Awaited<ReturnType<typeof serveMediaPage>>;

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowserWithLoopback(), serveMediaPage()]);
  });
  afterAll(async () => {
    await browser.close();
    await server.close();
  });

  it('serves only the built page and its scripts, with a CSP', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("require-trusted-types-for 'script'");
    const src = /<script type="module"[^>]* src="([^"]+)"/.exec(await page.text())?.[1];
    expect(src).toMatch(/^\.\/assets\/page-[\w-]+\.js$/);
    const script = await fetch(new URL(src!, server.url));
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    for (const path of ['/', '/main.ts', '/api.ts', '/vite.config.ts', '/mediaParticipant.ts', '/../mediaParticipant.ts', '/mediaPage.browser.test.ts']) {
      expect((await fetch(new URL(path, server.url))).status, path).toBe(404);
    }
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
  });

  it('loads, opens the fake camera at 320×240 and decodes a loopback call', async () => {
    const page = await openMediaPage(browser.context, server.url);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      expect(await page.evaluate(() => (globalThis as unknown as { isSecureContext: boolean }).isSecureContext)).toBe(true);
      expect(await page.locator('#status').textContent()).toBe('ready');

      const result = await callMediaPage(page, 'selfTest', { video: { width: 320, height: 240, frameRate: 15 }, minFrames: 10 });

      expect(result.settings).toMatchObject({ width: 320, height: 240 });
      expect(result.inbound.framesDecoded).toBeGreaterThanOrEqual(10);
      expect(result.inbound.frameWidth).toBe(320);
      expect(result.inbound.codec).toMatch(/^video\//);
      expect(result.inbound.audioPacketsReceived).toBeGreaterThan(0);
      expect(result.outbound.bytesSent).toBeGreaterThan(0);
      expect(result.outbound.audioBytesSent).toBeGreaterThan(0);
      const loopback = /^(127\.|\[?::1\]?$)/;
      // Only loopback candidates were exchanged, and the call runs over one.
      expect(result.candidates.forwarded).toBeGreaterThan(0);
      // (ICE may still pair the other side's non-loopback socket with it, seen as peer-reflexive.)
      const { sender, receiver } = result.localAddresses;
      expect([sender, receiver].some((a) => a !== null && loopback.test(a)), `${sender} / ${receiver}`).toBe(true);
      // The web client's simulcast publication offers the three layers, high to low (the order Janus expects).
      expect(result.simulcastLine).toBe('send h;m;l');
      expect(errors).toEqual([]);
    } catch (error) {
      const log = await mediaPageLog(page);
      throw new Error(`${String(error)}\ntrace: ${JSON.stringify(log.trace)}`, { cause: error });
    } finally {
      await page.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The web client's signaling and WebRTC flows, in the page, against a fake controller (a
// WebSocket server speaking the protocol, checking every command against its schemas) and a
// fake bridge (fakeBridge.html, a page of its own). Proves the client, not the controller.

async function bridgeCall<K extends keyof FakeBridgeApi>(
  page: Page,
  method: K,
  ...args: Parameters<FakeBridgeApi[K]>
): Promise<Awaited<ReturnType<FakeBridgeApi[K]>>> {
  const result: unknown = await page.evaluate(
    ({ method, args }) => {
      const api = (globalThis as unknown as { fakeBridge: Record<string, (...a: unknown[]) => unknown> }).fakeBridge;
      return api[method]!(...args);
    },
    { method, args: args as unknown[] },
  );
  return result as Awaited<ReturnType<FakeBridgeApi[K]>>;
}

interface Client {
  id: string;
  name: string;
  socket: WebSocket;
  joined: boolean;
  media: { audio: boolean; video: boolean; screen: boolean; forceMuted: boolean } | null;
  chain: Promise<void>;
  joinedAt: string;
}

class FakeController {
  readonly clients = new Map<string, Client>();
  /** Commands that broke the protocol, and handler failures: a test expects none. */
  readonly violations: string[] = [];
  readonly commands: { from: string; namespace: string; action: string }[] = [];
  /** Refuse this many subscribe commands, as the controller does when nothing is published yet. */
  refuseSubscribes = 0;
  /** The last publish offer, by participant name. */
  readonly published = new Map<string, string>();
  readonly room = { id: randomUUID(), name: 'Media page test', ownerId: randomUUID() };

  private constructor(
    private readonly server: WebSocketServer,
    private readonly bridge: Page,
  ) {
    server.on('connection', (socket, request) => {
      const ticket = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).find((p) => p.startsWith('ticket#'));
      const client: Client = {
        id: randomUUID(),
        name: ticket?.slice('ticket#'.length) ?? 'nobody',
        socket,
        joined: false,
        media: null,
        chain: Promise.resolve(),
        joinedAt: new Date().toISOString(),
      };
      this.clients.set(client.id, client);
      socket.on('message', (data: Buffer) => {
        client.chain = client.chain
          .then(() => this.handle(client, data.toString('utf8')))
          .catch((error: unknown) => {
            this.violations.push(`${client.name}: handler failed: ${String(error)}`);
          });
      });
      socket.on('close', () => this.remove(client, 'quit'));
    });
  }

  /** `bridge`: a blank tab for the fake bridge; `bridgeUrl`: fakeBridge.html. */
  static async start(bridge: Page, bridgeUrl: string): Promise<FakeController> {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (protocols) => (protocols.has('plenum-json-v1') ? 'plenum-json-v1' : false),
    });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const controller = new FakeController(server, bridge);
    await bridge.exposeFunction('bridgeEmit', (message: BridgeCandidate) => controller.bridgeCandidate(message));
    await bridge.goto(bridgeUrl);
    await bridge.waitForFunction(() => 'fakeBridge' in globalThis);
    return controller;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/signaling`;
  }

  /** Replaces the bridge as the media module does: every peer connection closes, everyone gets `bridge_reset` and is off. */
  async resetBridge(): Promise<void> {
    await bridgeCall(this.bridge, 'reset');
    for (const client of this.joined()) {
      client.media = { audio: false, video: false, screen: false, forceMuted: false };
      this.send(client, 'media', { message: 'bridge_reset' });
      this.broadcast('media', { message: 'media_state', participant: client.id, state: client.media });
    }
  }

  /** Tells the room that `id` published its camera anew, as the media module does once the new publication is up. */
  republished(id: string): void {
    this.broadcast('media', { message: 'republished', participant: id, kind: 'camera' });
  }

  async close(): Promise<void> {
    for (const client of this.clients.values()) client.socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private joined(): Client[] {
    return [...this.clients.values()].filter((c) => c.joined);
  }

  private participant(client: Client) {
    return { id: client.id, displayName: client.name, role: 'user', userId: null, handRaised: false, joinedAt: client.joinedAt, modules: {} };
  }

  private send(client: Client, namespace: string, payload: Record<string, unknown>): void {
    const schema = namespace === 'media' ? MediaEvent : ControlEvent;
    const checked = schema.safeParse(payload);
    if (!checked.success) this.violations.push(`fake controller sent a bad ${namespace} event: ${checked.error.message}`);
    client.socket.send(JSON.stringify({ namespace, timestamp: new Date().toISOString(), payload }));
  }

  private broadcast(namespace: string, payload: Record<string, unknown>, except?: Client): void {
    for (const client of this.joined()) if (client !== except) this.send(client, namespace, payload);
  }

  private remove(client: Client, reason: 'quit'): void {
    if (!this.clients.delete(client.id) || !client.joined) return;
    client.joined = false;
    void bridgeCall(this.bridge, 'drop', client.id).catch(() => undefined);
    this.broadcast('control', { message: 'left', id: client.id, reason });
  }

  private bridgeCandidate({ participant, target, candidate }: BridgeCandidate): void {
    const client = this.clients.get(participant);
    if (client?.joined !== true) return;
    this.send(client, 'media', { message: 'candidate', kind: 'camera', ...(target === null ? {} : { target }), candidate });
  }

  private async handle(client: Client, text: string): Promise<void> {
    const envelope = CommandEnvelope.safeParse(JSON.parse(text));
    if (!envelope.success) {
      this.violations.push(`${client.name}: bad envelope: ${text.slice(0, 200)}`);
      return;
    }
    const { namespace, payload } = envelope.data;
    this.commands.push({ from: client.name, namespace, action: payload.action });
    if (namespace === 'control') {
      const command = ControlCommand.safeParse(payload);
      if (!command.success) {
        this.violations.push(`${client.name}: bad control command: ${text.slice(0, 300)}: ${command.error.message}`);
        return;
      }
      if (command.data.action === 'join') {
        client.joined = true;
        const others = this.joined().filter((c) => c !== client);
        const states = Object.fromEntries(others.filter((c) => c.media !== null).map((c) => [c.id, c.media]));
        this.send(client, 'control', {
          message: 'join_success',
          id: client.id,
          role: 'user',
          displayName: client.name,
          room: this.room,
          participants: others.map((c) => this.participant(c)),
          resumption: 'resumption-not-supported-here',
          tokenExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          modules: { media: { states, ice: { iceServers: [] } } },
        });
        this.broadcast('control', { message: 'joined', participant: this.participant(client) }, client);
      } else if (command.data.action === 'leave') {
        client.socket.close(4000, 'quit');
      }
      return;
    }
    if (namespace !== 'media') {
      this.violations.push(`${client.name}: unexpected namespace ${namespace}`);
      return;
    }
    const parsed = MediaCommand.safeParse(payload);
    if (!parsed.success) {
      this.violations.push(`${client.name}: bad media command: ${text.slice(0, 300)}: ${parsed.error.message}`);
      return;
    }
    const command = parsed.data;
    switch (command.action) {
      case 'publish': {
        this.published.set(client.name, command.sdp);
        const sdp = await bridgeCall(this.bridge, 'publish', client.id, command.sdp);
        this.send(client, 'media', { message: 'publish_answer', kind: command.kind, sdp });
        client.media = { audio: command.audio, video: command.video, screen: false, forceMuted: false };
        this.broadcast('media', { message: 'media_state', participant: client.id, state: client.media });
        break;
      }
      case 'subscribe': {
        const refuse = this.refuseSubscribes > 0;
        if (refuse) this.refuseSubscribes -= 1;
        const sdp = refuse ? null : await bridgeCall(this.bridge, 'subscribe', client.id, command.target).catch(() => null);
        if (sdp === null) this.send(client, 'media', { message: 'error', error: 'unknown_participant', text: 'nothing published' });
        else this.send(client, 'media', { message: 'subscribe_offer', target: command.target, kind: command.kind, sdp });
        break;
      }
      case 'subscribe_answer':
        await bridgeCall(this.bridge, 'answer', client.id, command.target, command.sdp);
        this.send(client, 'media', { message: 'subscribed', target: command.target, kind: command.kind });
        break;
      case 'candidate':
        if (!(await bridgeCall(this.bridge, 'candidate', client.id, command.target ?? null, command.candidate))) {
          this.violations.push(`${client.name}: candidate for no peer connection (target ${command.target ?? 'none'})`);
        }
        break;
      case 'update_media_state':
        client.media = { audio: command.audio, video: command.video, screen: false, forceMuted: false };
        this.broadcast('media', { message: 'media_state', participant: client.id, state: client.media });
        break;
      default:
        this.violations.push(`${client.name}: unexpected ${command.action}`);
    }
  }
}

describe('the media page against a fake controller and bridge', () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let server: Awaited<ReturnType<typeof serveMediaPage>>;
  let bridgePage: Page;
  let controller: FakeController;
  const opened: MediaParticipant[] = [];

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchBrowserWithLoopback(), serveMediaPage()]);
    bridgePage = await browser.context.newPage();
    controller = await FakeController.start(bridgePage, new URL('fakeBridge.html', server.url).href);
  });
  beforeEach(() => {
    controller.violations.length = 0;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await controller.close();
    await browser.close();
    await server.close();
  });

  async function open(name: string, options: Partial<JoinOptions> = {}): Promise<MediaParticipant> {
    const participant = await openParticipant(browser.context, server.url, {
      wsUrl: controller.wsUrl,
      ticket: name,
      candidateAddressPrefixes: ['127.', '::1'],
      ...options,
    });
    opened.push(participant);
    return participant;
  }

  it('publishes, subscribes both ways and decodes video and audio', async () => {
    const alice = await open('alice');
    const aliceId = await alice.id();
    const bob = await open('bob');
    const bobId = await bob.id();

    const fromAlice = await bob.waitForVideoFrom(aliceId, { minFrames: 5 });
    const fromBob = await alice.waitForVideoFrom(bobId, { minFrames: 5 });
    expect(fromAlice).toMatchObject({ frameWidth: 320, codec: expect.stringMatching(/^video\//) as unknown });
    expect(fromBob.frameWidth).toBe(320);
    await alice.waitForAudioFrom(bobId);
    await bob.waitForAudioFrom(aliceId);
    expect(await bob.audioPacketsFrom(aliceId)).toBeGreaterThan(0);

    const stats = await alice.stats();
    expect(stats.outbound?.bytesSent).toBeGreaterThan(0);
    expect(stats.outbound?.audioBytesSent).toBeGreaterThan(0);
    const state = await alice.state();
    expect(state.subscriptions[bobId]?.status).toBe('subscribed');
    expect(state.publisher?.connectionState).toBe('connected');
    expect(state.errors).toEqual([]);
    for (const participant of [alice, bob]) {
      const { trace } = await participant.log();
      expect(trace.filter((entry) => /failed|refused/.test(JSON.stringify(entry)))).toEqual([]);
    }
    // The remote video sits in a tile named with textContent.
    expect(await alice.page.locator(`video[data-participant="${bobId}"]`).count()).toBe(1);
    expect(await alice.page.locator(`figure[data-participant="${bobId}"] figcaption`).textContent()).toBe('bob');
    expect(controller.violations).toEqual([]);
  });

  it('publishes and subscribes again after bridge_reset', async () => {
    const alice = await open('alice');
    const bob = await open('bob');
    const [aliceId, bobId] = await Promise.all([alice.id(), bob.id()]);
    await bob.waitForVideoFrom(aliceId, { minFrames: 3 });
    await alice.waitForVideoFrom(bobId, { minFrames: 3 });

    await controller.resetBridge();
    const count = (name: string, action: string) => controller.commands.filter((c) => c.from === name && c.action === action).length;
    await bob.poll('publish and subscribe again', async () => [count('bob', 'publish'), count('bob', 'subscribe_answer')], ([p, a]) => p === 2 && a === 2, 5000);
    expect((await alice.state()).resets).toBe(1);
    // The reset closed the old peer connections: these frames come through the new ones.
    await bob.waitForVideoFrom(aliceId, { minFrames: 3 });
    await alice.waitForVideoFrom(bobId, { minFrames: 3 });
    await alice.waitForAudioFrom(bobId);
    expect((await alice.state()).errors).toEqual([]);
    expect(controller.violations).toEqual([]);
  });

  it('after a refused subscribe, subscribes again when the target has published anew (republished)', async () => {
    const alice = await open('alice');
    const aliceId = await alice.id();
    await alice.poll('the publication', () => alice.state(), (s) => s.publisher?.connectionState === 'connected', 5000);
    controller.refuseSubscribes = 1;
    const bob = await open('bob');
    const refusal = [{ namespace: 'media', error: 'unknown_participant', text: 'nothing published' }];
    await bob.poll('the refusal', () => bob.state(), (s) => s.subscriptions[aliceId]?.status === 'requested' && s.errors.length === 1, 5000);
    controller.republished(aliceId);
    await bob.waitForVideoFrom(aliceId, { minFrames: 3 });
    expect((await bob.state()).errors).toEqual(refusal);
    expect(controller.violations).toEqual([]);
  });

  it('drops the tile of a participant who left, and announces camera and microphone switches', async () => {
    const alice = await open('alice');
    const bob = await open('bob');
    const bobId = await bob.id();
    await alice.waitForVideoFrom(bobId);

    await bob.setCamera(false);
    await alice.poll('bob camera off', () => alice.state(), (s) => s.participants.find((p) => p.id === bobId)?.media?.video === false, 5000);
    await bob.setMicrophone(false);
    await alice.poll('bob microphone off', () => alice.state(), (s) => s.participants.find((p) => p.id === bobId)?.media?.audio === false, 5000);

    await bob.close();
    await alice.poll('bob gone', () => alice.state(), (s) => s.participants.length === 0 && Object.keys(s.subscriptions).length === 0, 5000);
    expect(await alice.page.locator(`figure[data-participant="${bobId}"]`).count()).toBe(0);
    expect(controller.violations).toEqual([]);
  });

  it('offers three simulcast layers', async () => {
    const alice = await open('alice', { simulcast: true, video: { width: 1280, height: 720, frameRate: 15 } });
    await alice.id();
    await alice.poll('the publication', () => alice.state(), (s) => s.publisher?.connectionState === 'connected', 5000);
    expect(controller.published.get('alice')).toMatch(/^a=simulcast:send h;m;l\r?$/m);
    // A browser as bridge takes only the first layer; Janus takes all three.
    const stats = await alice.stats();
    expect(stats.outbound?.layers.map((l) => l.rid).sort()).toEqual(['h', 'l', 'm']);
    expect(controller.violations).toEqual([]);
  });
});
