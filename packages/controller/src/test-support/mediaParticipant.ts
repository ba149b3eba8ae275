import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';

/**
 * Node side of the media test page (`mediaPage/page.html` + `page.js`): a static server for the
 * page, and a participant driven through `window.plenum` in a Chromium page.
 */

// ---------------------------------------------------------------------------------------------
// What the page returns (plain JSON from page.evaluate)

export interface PageMediaState {
  audio: boolean;
  video: boolean;
  screen: boolean;
  forceMuted: boolean;
}

export interface JoinOptions {
  /** The controller's signaling URL, `ws://127.0.0.1:<port>/v1/signaling`. */
  wsUrl: string;
  ticket: string;
  /** Camera size; default 320×240 at 15 fps. Three simulcast layers need about 960×540 or more. */
  video?: { width?: number; height?: number; frameRate?: number };
  /** Publish three layers, rids `h`, `m`, `l` (in that order, as Janus expects) at full, 1/2 and 1/4 size. */
  simulcast?: boolean;
  /** Open no camera or microphone and publish nothing: only subscribe to the others. */
  receiveOnly?: boolean;
  /** `device` (default): the (fake) microphone; `tone`: a steady 440 Hz tone instead, someone who keeps talking. */
  audioSource?: 'device' | 'tone';
  /** Microphone on at the start (default true); `setMicrophone` switches it later. */
  microphone?: boolean;
  /** Record when each step of the join and of each peer connection happened; see `timeline()`. */
  timeline?: boolean;
  displayName?: string;
  /** Send `media/update_media_state` once the publication is answered (off: the controller derives it). */
  announceMediaState?: boolean;
  /** Trickle only local candidates whose address starts with one of these (e.g. the host side of the bridge's veth). */
  candidateAddressPrefixes?: string[];
  /** The page's own send budget; default burst 25, 9 per second (under the controller's 30 and 10). */
  sendRate?: { burst?: number; perSecond?: number };
  /** How long join() waits for `join_success`; default 10 s. */
  timeoutMs?: number;
}

export interface RemoteMediaStats {
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  framesPerSecond: number;
  /** mimeType of the inbound video, e.g. `video/VP8`. */
  codec: string | null;
  audioPacketsReceived: number;
  audioBytesReceived: number;
  audioLevel: number;
  audioSamplesReceived: number;
  audioCodec: string | null;
  connectionState: string;
}

export interface OutboundMediaStats {
  codec: string | null;
  /** Video bytes, all simulcast layers together. */
  bytesSent: number;
  framesEncoded: number;
  /** One per simulcast layer (one without simulcast), smallest first. */
  layers: {
    rid: string | null;
    frameWidth: number;
    frameHeight: number;
    bytesSent: number;
    framesEncoded: number;
    active: boolean;
    /** Why the encoder holds back: `none`, `bandwidth`, `cpu` or `other`. */
    qualityLimitationReason: string | null;
  }[];
  audioCodec: string | null;
  audioBytesSent: number;
  audioPacketsSent: number;
  /** The sender's bandwidth estimate in bit/s (the selected candidate pair's), if known. */
  availableOutgoingBitrate: number | null;
  connectionState: string;
}

export interface MediaPageStats {
  id: string | null;
  outbound: OutboundMediaStats | null;
  /** By participant ID, one per subscription with a peer connection. */
  remote: Record<string, RemoteMediaStats>;
}

export interface PeerInfo {
  /** new, requested, offering, offered, answering, answered, subscribed, failed, closed */
  status: string;
  connectionState: string | null;
  iceConnectionState: string | null;
  signalingState: string | null;
  localCandidates: number;
  remoteCandidates: number;
  pendingRemoteCandidates: number;
}

export interface MediaPageState {
  id: string | null;
  role: string | null;
  displayName: string | null;
  joined: boolean;
  waiting: boolean;
  blocked: string | null;
  socket: 'none' | 'connecting' | 'open' | 'closing' | 'closed';
  closeCode: number | null;
  closeReason: string | null;
  micOn: boolean;
  camOn: boolean;
  /** My own media state as the controller announced it in `media_state` (all off until then). */
  media: PageMediaState;
  mutedBy: string | null;
  /** How many `bridge_reset` events arrived. */
  resets: number;
  participants: { id: string; displayName: string; media: PageMediaState | null }[];
  publisher: PeerInfo | null;
  subscriptions: Record<string, PeerInfo>;
  errors: { namespace: string; error: string; text: string }[];
  /** What the camera delivers (getUserMedia's settings); null without a camera. */
  camera: { width: number; height: number; frameRate: number } | null;
  outbox: { queued: number; delayedBursts: number };
}

/** Steps of a join and of a peer connection, each the first time it happened, in epoch ms. */
export interface PeerTimeline {
  subscribeSent?: number;
  offerReceived?: number;
  answerSent?: number;
  subscribed?: number;
  /** ICE connectivity established (before DTLS). */
  iceConnected?: number;
  /** ICE and DTLS done. */
  connected?: number;
  /** The first video frame was decoded (getStats polled every 5 ms). */
  firstFrame?: number;
}

export interface MediaPageTimeline {
  join: { joinCalled?: number; mediaOpened?: number; socketOpen?: number; joinSuccess?: number };
  publisher: PeerTimeline | null;
  /** By participant ID. */
  subscriptions: Record<string, PeerTimeline>;
}

export interface SelfTestOptions {
  video?: { width?: number; height?: number; frameRate?: number };
  minFrames?: number;
  timeoutMs?: number;
  /** Exchange only 127.0.0.1/::1 candidates (default); Chromium then needs --allow-loopback-in-peer-connection. */
  loopbackOnly?: boolean;
}

export interface SelfTestResult {
  /** What getUserMedia delivered. */
  settings: { width: number; height: number; frameRate: number };
  inbound: RemoteMediaStats;
  outbound: OutboundMediaStats;
  candidates: { forwarded: number; skipped: number };
  /** Local address of the candidate pair each side uses. */
  localAddresses: { sender: string | null; receiver: string | null };
  /** The `a=simulcast:` value of an offer with the page's simulcast encodings. */
  simulcastLine: string | null;
}

/** `window.plenum` as page.js defines it. */
interface MediaPageApi {
  join(options: JoinOptions): Promise<{ id: string; participants: string[] }>;
  state(): MediaPageState;
  stats(): Promise<MediaPageStats>;
  leave(): Promise<{ closeCode: number | null }>;
  setMicrophone(on: boolean): void;
  setCamera(on: boolean): void;
  setLayer(target: string, substream: 0 | 1 | 2): void;
  timeline(): MediaPageTimeline;
  selfTest(options?: SelfTestOptions): Promise<SelfTestResult>;
}

// ---------------------------------------------------------------------------------------------
// Static server

const pageFiles: Record<string, { file: string; type: string }> = {
  '/page.html': { file: 'page.html', type: 'text/html; charset=utf-8' },
  '/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
};

/** The page may open WebSockets anywhere and load scripts only from itself; Trusted Types keep innerHTML out. */
const pageCsp = [
  "default-src 'none'",
  "script-src 'self'",
  'connect-src ws: wss:',
  "media-src 'self' blob: mediastream:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
].join('; ');

/**
 * Serves the media page on 127.0.0.1 (a secure context, so getUserMedia works) on a free port.
 * `url` is the page itself.
 */
export async function serveMediaPage(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const entry = pageFiles[path];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (entry === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    readFile(new URL(`./mediaPage/${entry.file}`, import.meta.url)).then(
      (body) => {
        response.writeHead(200, {
          'content-type': entry.type,
          'content-length': body.length,
          'cache-control': 'no-store',
          'content-security-policy': pageCsp,
          'x-content-type-options': 'nosniff',
        });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/page.html`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Driving the page

/** Opens the media page in a new tab of `context` and waits for `window.plenum`. */
export async function openMediaPage(context: BrowserContext, pageUrl: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(pageUrl);
  await page.waitForFunction(() => 'plenum' in globalThis);
  return page;
}

/** Calls `window.plenum[method](...args)` in the page. */
export async function callMediaPage<K extends keyof MediaPageApi>(
  page: Page,
  method: K,
  ...args: Parameters<MediaPageApi[K]>
): Promise<Awaited<ReturnType<MediaPageApi[K]>>> {
  const result: unknown = await page.evaluate(
    ({ method, args }) => {
      const api = (globalThis as unknown as { plenum: Record<string, (...a: unknown[]) => unknown> }).plenum;
      return api[method]!(...args);
    },
    { method, args },
  );
  return result as Awaited<ReturnType<MediaPageApi[K]>>;
}

/** What the page received (`plenumLog`) and did (`plenumTrace`), for failure messages. */
export async function mediaPageLog(page: Page): Promise<{ received: unknown[]; trace: Record<string, unknown>[] }> {
  return page.evaluate(() => {
    const g = globalThis as unknown as { plenumLog: unknown[]; plenumTrace: Record<string, unknown>[] };
    return { received: g.plenumLog, trace: g.plenumTrace };
  });
}

export interface MediaParticipant {
  page: Page;
  /** The participant ID, once `join_success` arrived; rejects if the join failed. */
  id(): Promise<string>;
  /** Polls until `minFrames` (1) frames from `participantId` were decoded; returns that moment's stats. */
  waitForVideoFrom(participantId: string, options?: { minFrames?: number; minWidth?: number; timeoutMs?: number }): Promise<RemoteMediaStats>;
  /** Polls until `minPackets` (1) audio packets from `participantId` arrived. */
  waitForAudioFrom(participantId: string, options?: { minPackets?: number; timeoutMs?: number }): Promise<RemoteMediaStats>;
  /** Audio packets received from `participantId` so far (0 without a subscription). */
  audioPacketsFrom(participantId: string): Promise<number>;
  stats(): Promise<MediaPageStats>;
  state(): Promise<MediaPageState>;
  log(): Promise<{ received: unknown[]; trace: Record<string, unknown>[] }>;
  setMicrophone(on: boolean): Promise<void>;
  setCamera(on: boolean): Promise<void>;
  /** Asks for simulcast layer `substream` (0 low, 1 medium, 2 high) of `participantId`'s camera. */
  setLayer(participantId: string, substream: 0 | 1 | 2): Promise<void>;
  /** What the `timeline` join option recorded. */
  timeline(): Promise<MediaPageTimeline>;
  /** The payloads of the `media/speaker` events received so far, oldest first. */
  speakerEvents(): Promise<{ participant: string; speaking: boolean }[]>;
  /** Polls `read` every 100 ms until `done`; the error names `what` and shows the page's state. */
  poll<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Sends `control/leave` (if still connected) and closes the tab. */
  close(): Promise<void>;
}

const pollIntervalMs = 100;

/**
 * Opens the media page in `context` and joins with `ticket`: getUserMedia, WebSocket, publish,
 * then subscribe to everyone with media. Returns once join() has started in the page; `id()`
 * waits for `join_success`.
 */
export async function openParticipant(context: BrowserContext, pageUrl: string, options: JoinOptions): Promise<MediaParticipant> {
  const page = await openMediaPage(context, pageUrl);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  const joined = callMediaPage(page, 'join', options);
  joined.catch(() => undefined); // reported by id()

  async function describe(): Promise<string> {
    if (page.isClosed()) return 'page closed';
    const [state, log] = await Promise.all([callMediaPage(page, 'state'), mediaPageLog(page)]);
    const received = log.received
      .map((event) => {
        const e = event as { namespace?: string; payload?: { message?: string } };
        return `${e.namespace ?? '?'}/${e.payload?.message ?? '?'}`;
      })
      .join(', ');
    return [
      `state: ${JSON.stringify(state)}`,
      `received: ${received}`,
      `trace (last 30): ${JSON.stringify(log.trace.slice(-30))}`,
      ...(pageErrors.length > 0 ? [`page errors: ${pageErrors.join(' | ')}`] : []),
    ].join('\n');
  }

  async function poll<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}\n${await describe()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
  }

  const remote = async (participantId: string) => (await callMediaPage(page, 'stats')).remote[participantId];

  return {
    page,
    async id() {
      try {
        return (await joined).id;
      } catch (error) {
        throw new Error(`join failed: ${error instanceof Error ? error.message : String(error)}\n${await describe()}`, { cause: error });
      }
    },
    async waitForVideoFrom(participantId, { minFrames = 1, minWidth = 0, timeoutMs = 15_000 } = {}) {
      const stats = await poll(
        `${minFrames} video frames${minWidth > 0 ? ` at width ≥ ${minWidth}` : ''} from ${participantId}`,
        () => remote(participantId),
        (s) => s !== undefined && s.framesDecoded >= minFrames && s.frameWidth >= minWidth,
        timeoutMs,
      );
      return stats!;
    },
    async waitForAudioFrom(participantId, { minPackets = 1, timeoutMs = 15_000 } = {}) {
      const stats = await poll(
        `${minPackets} audio packets from ${participantId}`,
        () => remote(participantId),
        (s) => s !== undefined && s.audioPacketsReceived >= minPackets,
        timeoutMs,
      );
      return stats!;
    },
    async audioPacketsFrom(participantId) {
      return (await remote(participantId))?.audioPacketsReceived ?? 0;
    },
    stats: () => callMediaPage(page, 'stats'),
    state: () => callMediaPage(page, 'state'),
    log: () => mediaPageLog(page),
    setMicrophone: (on) => callMediaPage(page, 'setMicrophone', on),
    setCamera: (on) => callMediaPage(page, 'setCamera', on),
    setLayer: (participantId, substream) => callMediaPage(page, 'setLayer', participantId, substream),
    timeline: () => callMediaPage(page, 'timeline'),
    async speakerEvents() {
      const { received } = await mediaPageLog(page);
      return received.flatMap((event) => {
        const e = event as { namespace?: unknown; payload?: { message?: unknown; participant?: unknown; speaking?: unknown } };
        const p = e.payload;
        if (e.namespace !== 'media' || p?.message !== 'speaker' || typeof p.participant !== 'string' || typeof p.speaking !== 'boolean') return [];
        return [{ participant: p.participant, speaking: p.speaking }];
      });
    },
    poll,
    async close() {
      if (page.isClosed()) return;
      try {
        await callMediaPage(page, 'leave');
      } catch {
        // The page may be gone with its browser already.
      }
      await page.close();
    },
  };
}
