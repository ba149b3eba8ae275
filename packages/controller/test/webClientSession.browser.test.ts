import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';
import {
  assertWebClientBuilt,
  joinFromLobby,
  launchWebBrowser,
  openParticipant,
  signIn,
  smallWindow,
  waitForMediaFrom,
  webMeetingEnv,
} from '../src/test-support/webClient.js';

/** Access tokens live 75 s here, so the client renews one about 15 s after sign-in. */
const tokenTtlSeconds = 75;

/** What keeps a meeting going: silent token renewal on the socket, and reconnecting after a drop. */
describe('the web client keeps a meeting alive', () => {
  let t: TestApp;
  let browser: Browser;
  let bridgeDir: string;

  beforeAll(async () => {
    assertWebClientBuilt();
    bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-web-session-'));
    t = await startTestApp({
      env: { ...webMeetingEnv(bridgeDir), PLENUM_DEV_TOKEN_TTL: String(tokenTtlSeconds) },
    });
    browser = await launchWebBrowser();
  });

  afterAll(async () => {
    await browser.close();
    await t.close();
    rmSync(bridgeDir, { recursive: true, force: true });
  });

  it('renews the access token silently and hands it to the signaling socket', async () => {
    const alice = await openParticipant(browser);
    await signIn(alice.page, t.baseUrl, 'alice');
    await alice.page.getByLabel('Room name').fill('Long meeting');
    await alice.page.getByRole('button', { name: 'Create room' }).click();
    await alice.page.locator('li.room-item', { hasText: 'Long meeting' }).getByRole('button', { name: 'Enter' }).click();
    await joinFromLobby(alice.page);
    await alice.page.locator('.conference').waitFor();
    // The controller confirms the new token with `token_refreshed`; the client says so.
    await alice.page.locator('[data-notice="tokenRefreshed"]').waitFor({ timeout: tokenTtlSeconds * 1000 });
    // Past the first token's lifetime the meeting still works: a chat message goes through.
    await alice.page.waitForTimeout((tokenTtlSeconds + 5) * 1000 - 20_000);
    await alice.page.getByRole('button', { name: /^Chat/ }).click();
    await alice.page.getByLabel('Message').fill('still here');
    await alice.page.getByRole('button', { name: 'Send' }).click();
    await alice.page.locator('.message-text').getByText('still here', { exact: true }).waitFor();
    expect(await alice.page.locator('.conference').count()).toBe(1);
    expect(alice.problems).toEqual([]);
    await alice.context.close();
  }, 180_000);

  it('shows that it reconnects after a network drop and resumes as the same participant', async () => {
    const alice = await openParticipant(browser);
    const bob = await openParticipant(browser, smallWindow);
    await signIn(alice.page, t.baseUrl, 'alice');
    await alice.page.getByLabel('Room name').fill('Flaky network');
    await alice.page.getByRole('button', { name: 'Create room' }).click();
    const room = alice.page.locator('li.room-item', { hasText: 'Flaky network' });
    const roomId = await room.getAttribute('data-room');
    await room.getByRole('button', { name: 'Enter' }).click();
    await joinFromLobby(alice.page);
    await signIn(bob.page, t.baseUrl, 'bob', `/room/${roomId ?? ''}`);
    await joinFromLobby(bob.page);
    await waitForMediaFrom(alice.page, 1);
    const bobIdBefore = await alice.page.locator('figure.tile:not([data-self])').getAttribute('data-participant');

    await bob.context.setOffline(true);
    await bob.page.locator('[data-state="reconnecting"]').waitFor();
    await bob.context.setOffline(false);
    await bob.page.locator('[data-state="reconnecting"]').waitFor({ state: 'detached', timeout: 30_000 });

    // Same participant for the others, and media flows again both ways.
    await expect.poll(() => alice.page.locator('figure.tile:not([data-self])').getAttribute('data-participant')).toBe(bobIdBefore);
    await waitForMediaFrom(bob.page, 1);
    await waitForMediaFrom(alice.page, 1);
    expect([...alice.problems, ...bob.problems]).toEqual([]);
    await Promise.all([alice.context.close(), bob.context.close()]);
  }, 180_000);
});
