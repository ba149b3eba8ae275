import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchBrowser } from '../src/test-support/browser.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

describe('the dev provider in a real browser', () => {
  let t: TestApp;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.close();
  });

  // Each case starts signed out: the provider's session cookie would skip the login form.
  beforeEach(() => browser.context.clearCookies());

  function authorizeUrl(): { url: string; verifier: string } {
    const verifier = randomBytes(32).toString('base64url');
    const url = new URL(`${t.baseUrl}/idp/auth`);
    url.search = new URLSearchParams({
      client_id: 'plenum-web',
      response_type: 'code',
      redirect_uri: `${t.baseUrl}/auth/callback`,
      scope: 'openid profile email',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'xyz',
    }).toString();
    return { url: url.href, verifier };
  }

  it('signs alice in through the login form under the CSP and redirects back with a code', async () => {
    const page = await browser.context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) violations.push(message.text());
    });
    const { url, verifier } = authorizeUrl();
    await page.goto(url);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('test-password');
    await Promise.all([page.waitForURL(/\/auth\/callback\?/), page.getByRole('button', { name: 'Sign in' }).click()]);
    const callback = new URL(page.url());
    expect(callback.searchParams.get('state')).toBe('xyz');
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();
    expect(violations).toEqual([]);

    const token = await fetch(`${t.baseUrl}/idp/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code ?? '',
        redirect_uri: `${t.baseUrl}/auth/callback`,
        client_id: 'plenum-web',
        code_verifier: verifier,
      }).toString(),
    });
    const tokens = (await token.json()) as { access_token: string; refresh_token?: string };
    expect(tokens.refresh_token).toBeTruthy();
    const me = await fetch(`${t.baseUrl}/v1/users/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(((await me.json()) as { displayName: string }).displayName).toBe('Alice Adler');
    await page.close();
  });

  it('shows an error on a wrong password and does not sign in', async () => {
    const page = await browser.context.newPage();
    await page.goto(authorizeUrl().url);
    await page.getByLabel('User name').fill('bob');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('wrong password');
    expect(page.url()).not.toContain('/auth/callback');
    // The user name typed is shown again, escaped.
    expect(await page.getByLabel('User name').inputValue()).toBe('bob');
    await page.close();
  });

  it('renders a hostile user name as text, not markup', async () => {
    const page = await browser.context.newPage();
    let dialogs = 0;
    page.on('dialog', (dialog) => {
      dialogs += 1;
      void dialog.dismiss();
    });
    await page.goto(authorizeUrl().url);
    const payload = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
    await page.getByLabel('User name').fill(payload);
    await page.getByLabel('Password').fill('x');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').count()).toBe(1);
    expect(await page.getByLabel('User name').inputValue()).toBe(payload);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toBe(0);
    await page.close();
  });

  it('signs out through its own confirmation page under the CSP and returns to the app', async () => {
    const page = await browser.context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) violations.push(message.text());
    });
    await page.goto(authorizeUrl().url);
    await page.getByLabel('User name').fill('carol');
    await page.getByLabel('Password').fill('test-password');
    await Promise.all([page.waitForURL(/\/auth\/callback\?/), page.getByRole('button', { name: 'Sign in' }).click()]);
    const end = new URL(`${t.baseUrl}/idp/session/end`);
    end.search = new URLSearchParams({ client_id: 'plenum-web', post_logout_redirect_uri: `${t.baseUrl}/` }).toString();
    await page.goto(end.href);
    await Promise.all([page.waitForURL(`${t.baseUrl}/`), page.getByRole('button', { name: 'Yes, sign me out' }).click()]);
    expect(violations).toEqual([]);
    // Signed out: the next authorization asks for the password again.
    await page.goto(authorizeUrl().url);
    await page.getByLabel('User name').waitFor();
    await page.close();
  });
});
