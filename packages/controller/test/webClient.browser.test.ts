import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';
import {
  assertWebClientBuilt,
  joinFromLobby,
  launchWebBrowser,
  openParticipant,
  remoteTiles,
  signIn,
  smallWindow,
  waitForMediaFrom,
  webMeetingEnv,
  type Participant,
} from '../src/test-support/webClient.js';

const screenshots = fileURLToPath(new URL('../../../docs/screenshots', import.meta.url));

/** Four participants in one meeting, driven through the real web client as people would use it. */
describe('the web client in a real meeting', () => {
  let t: TestApp;
  let browser: Browser;
  let bridgeDir: string;
  const people: Participant[] = [];

  beforeAll(async () => {
    assertWebClientBuilt();
    bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-web-bridges-'));
    t = await startTestApp({
      env: webMeetingEnv(bridgeDir),
    });
    browser = await launchWebBrowser();
    mkdirSync(screenshots, { recursive: true });
  });

  afterAll(async () => {
    await browser.close();
    await t.close();
    rmSync(bridgeDir, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshots, `${name}.png`) });

  async function setLanguage(page: Page, language: 'en' | 'de'): Promise<void> {
    await page.getByLabel(/^(Language|Sprache)$/).selectOption(language);
  }

  it('three users and a guest see and hear each other, chat, get moderated, share a screen and wait to be admitted', async () => {
    const alice = await openParticipant(browser);
    people.push(alice);
    await signIn(alice.page, t.baseUrl, 'alice');

    // Alice creates a room and shares an invite.
    await alice.page.getByLabel('Room name').fill('Weekly planning');
    await alice.page.getByRole('button', { name: 'Create room' }).click();
    const roomItem = alice.page.locator('li.room-item', { hasText: 'Weekly planning' });
    await roomItem.waitFor();
    const roomId = await roomItem.getAttribute('data-room');
    expect(roomId).toBeTruthy();
    await roomItem.getByRole('button', { name: 'Copy invite link' }).click();
    const notice = await alice.page.getByRole('status').filter({ hasText: '/invite/' }).textContent();
    const inviteLink = /(http:\/\/\S+\/invite\/[A-Za-z0-9_-]{22})/.exec(notice ?? '')?.[1];
    expect(inviteLink).toBeDefined();
    await shot(alice.page, 'home-en');
    await setLanguage(alice.page, 'de');
    await alice.page.getByRole('heading', { name: 'Meine Räume' }).waitFor();
    await shot(alice.page, 'home-de');
    await setLanguage(alice.page, 'en');

    // Alice enters; the lobby previews her camera and microphone.
    await roomItem.getByRole('button', { name: 'Enter' }).click();
    await alice.page.locator('.preview video').waitFor();
    await expect.poll(() => alice.page.locator('meter.audio-level').getAttribute('data-level'), { timeout: 10_000 }).not.toBe('0');
    await shot(alice.page, 'lobby-en');
    await setLanguage(alice.page, 'de');
    await alice.page.getByRole('button', { name: 'Teilnehmen' }).waitFor();
    await shot(alice.page, 'lobby-de');
    await setLanguage(alice.page, 'en');
    await joinFromLobby(alice.page);
    await alice.page.locator('.conference').waitFor();

    // Bob and Carol sign in and come through the room link; a guest through the invite.
    const bob = await openParticipant(browser, smallWindow);
    const carol = await openParticipant(browser, smallWindow);
    const guest = await openParticipant(browser, smallWindow);
    people.push(bob, carol, guest);
    for (const [person, name] of [
      [bob, 'bob'],
      [carol, 'carol'],
    ] as const) {
      await signIn(person.page, t.baseUrl, name, `/room/${roomId ?? ''}`);
      await joinFromLobby(person.page);
    }
    await guest.page.goto(inviteLink ?? '', { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await guest.page.getByRole('heading', { name: /Weekly planning/ }).waitFor();
    await joinFromLobby(guest.page, 'Gustav Guest');

    // Everyone decodes everyone else's video and receives their audio.
    for (const person of [alice, bob, carol, guest]) await waitForMediaFrom(person.page, 3);

    await shot(alice.page, 'conference-grid-en');
    await alice.page.getByRole('button', { name: 'Speaker view' }).click();
    await alice.page.locator('.stage[data-layout="speaker"]').waitFor();
    await shot(alice.page, 'conference-speaker-en');
    await setLanguage(alice.page, 'de');
    await alice.page.getByRole('button', { name: 'Kachelansicht' }).click();
    await shot(alice.page, 'conference-grid-de');
    await alice.page.getByRole('button', { name: 'Sprecheransicht' }).click();
    await shot(alice.page, 'conference-speaker-de');
    await setLanguage(alice.page, 'en');
    await alice.page.getByRole('button', { name: 'Grid view' }).click();

    // Chat: to everyone, an answer, and a private message only its recipient sees.
    await sendChat(alice.page, 'Hello everyone');
    await expect.poll(() => bob.page.getByRole('button', { name: /^Chat/ }).textContent()).toContain('1');
    await openChat(bob.page);
    await bob.page.locator('.messages').getByText('Hello everyone').waitFor();
    await sendChat(bob.page, 'Hi Alice');
    await openChat(alice.page);
    await alice.page.locator('.messages').getByText('Hi Alice').waitFor();
    await openChat(carol.page);
    await sendChat(carol.page, 'Only for Alice', 'Alice Adler');
    await alice.page.locator('.messages li.private').getByText('Only for Alice').waitFor();
    await openChat(guest.page);
    await guest.page.locator('.messages').getByText('Hi Alice').waitFor();
    expect(await guest.page.locator('.messages').getByText('Only for Alice').count()).toBe(0);
    expect(await bob.page.locator('.messages').getByText('Only for Alice').count()).toBe(0);

    // The moderator mutes Bob: Bob is told, and his audio stops arriving at Alice.
    await alice.page.getByRole('button', { name: 'Participants' }).click();
    const bobId = await alice.page.locator('li.participant', { hasText: 'Bob Berger' }).getAttribute('data-participant');
    await alice.page.getByRole('button', { name: 'Mute: Bob Berger' }).click();
    await bob.page.locator('[data-notice="youMutedBy"]').waitFor();
    await bob.page.getByRole('button', { name: 'Unmute microphone' }).waitFor();
    await alice.page.locator(`figure[data-participant="${bobId ?? ''}"] [aria-label="Muted by a moderator"]`).waitFor();
    const packetsOf = async () => (await remoteTiles(carol.page)).find((tile) => tile.participant === bobId && tile.kind === 'camera')?.audioPackets ?? 0;
    await carol.page.waitForTimeout(2500);
    const afterMute = await packetsOf();
    await carol.page.waitForTimeout(4500);
    expect(await packetsOf()).toBeLessThanOrEqual(afterMute + 5);
    // Unmuting restores it.
    await bob.page.getByRole('button', { name: 'Unmute microphone' }).click();
    await expect.poll(packetsOf, { timeout: 15_000 }).toBeGreaterThan(afterMute + 20);

    // The moderator removes Carol.
    await alice.page.getByRole('button', { name: 'Remove: Carol Christ' }).click();
    await carol.page.locator('[data-end-reason="kicked"]').waitFor();
    await expect.poll(() => alice.page.locator('li.participant', { hasText: 'Carol Christ' }).count()).toBe(0);

    // Bob shares his screen; the others see it large.
    await bob.page.getByRole('button', { name: 'Share screen' }).click();
    for (const person of [alice, guest]) {
      const screen = person.page.locator(`figure[data-kind="screen"][data-participant="${bobId ?? ''}"] video`);
      await screen.waitFor();
      await expect.poll(() => screen.evaluate((video: { videoWidth: number }) => video.videoWidth), { timeout: 20_000 }).toBeGreaterThan(0);
    }
    await bob.page.getByRole('button', { name: 'Stop sharing' }).click();
    await expect.poll(() => alice.page.locator('figure[data-kind="screen"]').count(), { timeout: 10_000 }).toBe(0);

    // With the waiting room on, a second guest waits until the moderator admits her.
    await alice.page.getByLabel('Waiting room off').click();
    await alice.page.getByText('Waiting room on').waitFor();
    const waiter = await openParticipant(browser, smallWindow);
    people.push(waiter);
    await waiter.page.goto(inviteLink ?? '', { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await joinFromLobby(waiter.page, 'Wanda Waiting');
    await waiter.page.getByRole('heading', { name: 'Waiting room' }).waitFor();
    await alice.page.getByRole('button', { name: 'Admit: Wanda Waiting' }).click();
    await waiter.page.locator('.conference').waitFor();
    await waitForMediaFrom(waiter.page, 3);

    // The moderator ends the meeting for everyone.
    await alice.page.getByRole('button', { name: 'End meeting for all' }).click();
    for (const person of [bob, guest, waiter]) await person.page.locator('[data-end-reason="meeting_ended"]').waitFor();

    for (const person of people) expect(person.problems).toEqual([]);
    await Promise.all(people.splice(0).map((person) => person.context.close()));
  }, 600_000);

  it('renders script-injection payloads in room names, display names and chat as text and runs none of them', async () => {
    const host = await openParticipant(browser);
    const visitor = await openParticipant(browser, smallWindow);
    people.push(host, visitor);
    await signIn(host.page, t.baseUrl, 'bob');
    const roomName = xssCorpus[0] ?? '';
    await host.page.getByLabel('Room name').fill(roomName);
    await host.page.getByRole('button', { name: 'Create room' }).click();
    const roomItem = host.page.locator('li.room-item', { hasText: roomName });
    await roomItem.waitFor();
    await roomItem.getByRole('button', { name: 'Copy invite link' }).click();
    const notice = await host.page.getByRole('status').filter({ hasText: '/invite/' }).textContent();
    const inviteLink = /(http:\/\/\S+\/invite\/[A-Za-z0-9_-]{22})/.exec(notice ?? '')?.[1] ?? '';
    await roomItem.getByRole('button', { name: 'Enter' }).click();
    await joinFromLobby(host.page, xssCorpus[1]);
    await host.page.locator('.conference').waitFor();

    await visitor.page.goto(inviteLink, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await joinFromLobby(visitor.page, xssCorpus[2]);
    await visitor.page.locator('.conference').waitFor();
    await openChat(host.page);
    for (const payload of xssCorpus) await sendChat(host.page, payload);
    await openChat(visitor.page);
    await expect.poll(() => visitor.page.locator('.messages li').count(), { timeout: 20_000 }).toBe(xssCorpus.length);

    for (const person of [host, visitor]) {
      // Every payload shows up verbatim as text ...
      const texts = await person.page.locator('.message-text').allTextContents();
      expect(texts).toEqual(xssCorpus);
      expect(await person.page.locator('.room-title').textContent()).toBe(roomName);
      // ... and nothing ran: no marker, no dialog, no element a payload tried to create.
      expect(await person.page.evaluate('typeof window.__xss')).toBe('undefined');
      expect(await person.page.locator('main img, main iframe, main svg, main script, main object, main embed').count()).toBe(0);
      expect(person.problems).toEqual([]);
    }
    await expect.poll(() => visitor.page.locator('figure.tile figcaption', { hasText: xssCorpus[1] ?? '' }).count()).toBe(1);
    await Promise.all(people.splice(0).map((person) => person.context.close()));
  }, 180_000);
});

/** Classic injection payloads; each would set `window.__xss` or open a dialog if it ran. */
const xssCorpus = [
  '<img src=x onerror="window.__xss=1">',
  '"><svg onload=window.__xss=1>',
  "<script>window.__xss=1</script>",
  "<iframe srcdoc='<script>parent.__xss=1</script>'></iframe>",
  '<a href="javascript:window.__xss=1">click</a>',
  '{{constructor.constructor("window.__xss=1")()}}',
  '<img src=x onerror=alert(1)>',
  "'-alert(1)-'",
  '<details open ontoggle=window.__xss=1>',
  '[x](javascript:window.__xss=1)',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '${alert(1)}',
];

async function openChat(page: Page): Promise<void> {
  const button = page.getByRole('button', { name: /^Chat/ });
  if ((await button.getAttribute('aria-pressed')) !== 'true') await button.click();
  await page.locator('.chat-panel').waitFor();
}

async function sendChat(page: Page, text: string, to?: string): Promise<void> {
  await openChat(page);
  await page.getByLabel('To').selectOption(to === undefined ? { index: 0 } : { label: to });
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('.message-text').getByText(text, { exact: true }).last().waitFor();
}
