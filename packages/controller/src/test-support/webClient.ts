import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from './browser.js';

/** The built web client the controller serves; `npm test` builds it before the tests run. */
export const webDist = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/** The controller's settings for a meeting in the web client: sandboxed bridges and small video, so four browsers fit on two cores. */
export function webMeetingEnv(bridgeDir: string): Record<string, string> {
  return {
    PLENUM_BRIDGE_LAUNCHER: 'sandbox',
    PLENUM_BRIDGE_DIR: bridgeDir,
    PLENUM_BRIDGE_GRACE: '1',
    PLENUM_WEB_DIR: webDist,
    PLENUM_VIDEO_WIDTH: '240',
    PLENUM_VIDEO_HEIGHT: '180',
    PLENUM_VIDEO_FRAME_RATE: '10',
  };
}

export function assertWebClientBuilt(): void {
  if (!existsSync(path.join(webDist, 'index.html'))) {
    throw new Error(`the web client is not built (${webDist}); run \`npm run build\` first`);
  }
}

/**
 * One headless Chromium with fake camera, microphone and screen; every participant gets a
 * context of its own (own cookies and storage), which is cheaper than a browser each.
 */
export async function launchWebBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // A fake screen for getDisplayMedia, and sound without a click on the page first.
    args: [...chromiumArgs, '--auto-select-desktop-capture-source=Entire screen', '--autoplay-policy=no-user-gesture-required'],
  });
}

export interface Participant {
  context: BrowserContext;
  page: Page;
  /** Page errors and dialogs seen so far: both must stay empty. */
  problems: string[];
}

/** A small window paints less video; the screenshots are taken in a large one. */
export const smallWindow = { width: 800, height: 600 };

export async function openParticipant(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<Participant> {
  const context = await browser.newContext({ locale: 'en-US', permissions: ['camera', 'microphone'], viewport });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  return { context, page, problems };
}

/** Signs in through the dev provider's real login form, starting from the app's own button. */
export async function signIn(page: Page, baseUrl: string, username: string, startPath = '/', password = 'test-password'): Promise<void> {
  await page.goto(`${baseUrl}${startPath}`);
  await page.getByRole('button', { name: /^(Sign in|Anmelden)$/ }).first().click();
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}${startPath}`);
  await page.getByText(/Signed in as|Angemeldet als/).waitFor();
}

/** In the lobby: optionally set the name, then join; resolves when the conference shows. */
export async function joinFromLobby(page: Page, displayName?: string): Promise<void> {
  const join = page.getByRole('button', { name: /^(Join|Teilnehmen)$/ });
  await join.waitFor();
  if (displayName !== undefined) await page.getByLabel(/^(Display name|Anzeigename)$/).fill(displayName);
  await join.click();
}

export interface TileStats {
  participant: string;
  kind: string;
  framesDecoded: number;
  audioPackets: number;
}

/** What each remote tile reports from getStats (refreshed by the client every 2 s). */
export async function remoteTiles(page: Page): Promise<TileStats[]> {
  const tiles: TileStats[] = [];
  for (const figure of await page.locator('figure.tile:not([data-self])').all()) {
    const attribute = async (name: string) => (await figure.getAttribute(name)) ?? '';
    tiles.push({
      participant: await attribute('data-participant'),
      kind: await attribute('data-kind'),
      framesDecoded: Number(await attribute('data-frames-decoded')),
      audioPackets: Number(await attribute('data-audio-packets')),
    });
  }
  return tiles;
}

/** Waits until every other participant's camera tile decodes video and receives audio. */
export async function waitForMediaFrom(page: Page, count: number, timeoutMs = 45_000): Promise<TileStats[]> {
  const deadline = Date.now() + timeoutMs;
  let last: TileStats[] = [];
  while (Date.now() < deadline) {
    last = (await remoteTiles(page)).filter((tile) => tile.kind === 'camera');
    if (last.length === count && last.every((tile) => tile.framesDecoded > 0 && tile.audioPackets > 0)) return last;
    await page.waitForTimeout(500);
  }
  throw new Error(`expected media from ${count} participants, got ${JSON.stringify(last)}`);
}
