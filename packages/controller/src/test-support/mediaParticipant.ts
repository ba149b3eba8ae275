import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import type {
  JoinOptions,
  MediaPageApi,
  MediaPageStats,
  MediaPageState,
  MediaPageTimeline,
  RemoteMediaStats,
  TraceEntry,
} from '../../../web/test-support/mediaPage/api.js';
import { ContractViolationError, reportContractViolation } from './contractViolations.js';

export type {
  CameraSize,
  JoinOptions,
  MediaPageApi,
  MediaPageStats,
  MediaPageState,
  MediaPageTimeline,
  OutboundMediaStats,
  PageMediaState,
  PeerInfo,
  PeerTimeline,
  RemoteMediaStats,
  SelfTestOptions,
  SelfTestResult,
  TraceEntry,
} from '../../../web/test-support/mediaPage/api.js';

/**
 * Node side of the media test page, packages/web/test-support/mediaPage/: the web client's
 * own conference session without its screens, driven through `window.plenum` (its API and
 * the shapes it returns are in `api.ts` there). `serveMediaPage()` bundles it with Vite (or takes
 * the bundle of the same sources from the cache) and serves it; `openParticipant()` joins a
 * meeting with it in a Chromium tab.
 *
 * The page checks every frame it receives against the signaling contract (its wire.ts); each
 * violation reaches this side at once and fails the test (contractViolations.ts), and the
 * participant's waiting helpers throw from then on.
 */

// ---------------------------------------------------------------------------------------------
// Building and serving

const root = fileURLToPath(new URL('../../../../', import.meta.url));
/** Bundles by the hash of their sources; only the newest is kept. */
const cacheDir = path.join(root, 'node_modules/.cache/plenum-media-page');
/** What a bundle is made of: the page, the web client and protocol sources, the locked dependencies. */
const bundleInputs = ['packages/web/test-support/mediaPage', 'packages/web/src', 'packages/protocol/src', 'package-lock.json'];

function sourceHash(): string {
  const hash = createHash('sha256');
  const add = (file: string): void => {
    if (statSync(file).isDirectory()) {
      for (const name of readdirSync(file).sort()) if (name !== 'dist' && name !== 'node_modules') add(path.join(file, name));
      return;
    }
    hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  };
  for (const input of bundleInputs) add(path.join(root, input));
  return hash.digest('hex').slice(0, 16);
}

/** Removes the bundles of other sources, and half-written ones older than ten minutes. */
function sweepCache(keep: string): void {
  for (const name of readdirSync(cacheDir)) {
    const dir = path.join(cacheDir, name);
    if (name === keep || (name.includes('.partial-') && statSync(dir).mtimeMs > Date.now() - 600_000)) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}

let built: Promise<string> | undefined;

/**
 * The page (and the fake bridge of its own test) bundled with its vite.config.ts from the
 * sources as they are now, so a change to the web client is what the next browser test drives.
 * Bundles are cached by the hash of their sources in node_modules/.cache/plenum-media-page (a
 * build takes a few seconds); each process hashes once. Returns the bundle's directory.
 */
export function buildMediaPage(): Promise<string> {
  built ??= (async () => {
    const hash = sourceHash();
    const outDir = path.join(cacheDir, hash);
    const done = () => existsSync(path.join(outDir, 'page.html'));
    if (done()) return outDir;
    const partial = `${outDir}.partial-${process.pid}`;
    const { build } = await import('vite');
    await build({
      configFile: path.join(root, 'packages/web/test-support/mediaPage/vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      build: { outDir: partial, emptyOutDir: true },
    });
    try {
      renameSync(partial, outDir);
    } catch (error) {
      // Another process was quicker with the same sources.
      rmSync(partial, { recursive: true, force: true });
      if (!done()) throw error;
    }
    sweepCache(hash);
    return outDir;
  })();
  return built;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Every file under `dir` by its URL path (`/page.html`, `/assets/…`). */
function servedFiles(dir: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) for (const [route, nested] of servedFiles(file, `${prefix}/${entry.name}`)) files.set(route, nested);
    else files.set(`${prefix}/${entry.name}`, file);
  }
  return files;
}

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
 * Builds the page (once per process) and serves what the build made, and nothing else, on
 * 127.0.0.1 (a secure context, so getUserMedia works) on a free port. `url` is the page itself;
 * the fake bridge of the page's own test is `fakeBridge.html` beside it.
 */
export async function serveMediaPage(): Promise<{ url: string; close(): Promise<void> }> {
  const files = servedFiles(await buildMediaPage());
  const server = createServer((request, response) => {
    const route = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const file = files.get(route);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (file === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    readFile(file).then(
      (body) => {
        response.writeHead(200, {
          'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
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

/** What the page received (`plenumLog`), did (`plenumTrace`) and found against the contract (`plenumViolations`), for failure messages. */
export async function mediaPageLog(page: Page): Promise<{ received: unknown[]; trace: TraceEntry[]; violations: string[] }> {
  return page.evaluate(() => {
    const g = globalThis as unknown as { plenumLog: unknown[]; plenumTrace: TraceEntry[]; plenumViolations: string[] };
    return { received: g.plenumLog, trace: g.plenumTrace, violations: g.plenumViolations };
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
  log(): Promise<{ received: unknown[]; trace: TraceEntry[]; violations: string[] }>;
  /** The frames received that the contract refuses, each with why; each has failed the test already. */
  readonly violations: readonly string[];
  setMicrophone(on: boolean): Promise<void>;
  setCamera(on: boolean): Promise<void>;
  /** Asks for simulcast layer `substream` (0 low, 1 medium, 2 high) of `participantId`'s camera. */
  setLayer(participantId: string, substream: 0 | 1 | 2): Promise<void>;
  /** When each step of the join and of each connection happened (first frames only with the `timeline` join option). */
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
 * Opens the media page in `context` and joins with `ticket` as the web client does after its
 * lobby: camera and microphone, signaling socket, publish, then subscribe to everyone with
 * media. Returns once join() has started in the page; `id()` waits for `join_success`.
 */
export async function openParticipant(context: BrowserContext, pageUrl: string, options: JoinOptions): Promise<MediaParticipant> {
  const page = await openMediaPage(context, pageUrl);
  const violations: string[] = [];
  await page.exposeFunction('plenumContractViolation', (report: string) => {
    violations.push(report);
    reportContractViolation(`media page (ticket …${options.ticket.slice(-6)}): ${report}`);
  });
  const throwIfViolated = (): void => {
    if (violations.length > 0) throw new ContractViolationError(violations);
  };
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
      ...(log.violations.length > 0 ? [`contract violations: ${log.violations.join(' | ')}`] : []),
      ...(pageErrors.length > 0 ? [`page errors: ${pageErrors.join(' | ')}`] : []),
    ].join('\n');
  }

  async function poll<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      throwIfViolated();
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
    violations,
    async id() {
      throwIfViolated();
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
