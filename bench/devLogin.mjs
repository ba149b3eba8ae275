// Sign-in through the built-in dev provider, as the web app does it: Authorization Code + PKCE,
// the real login form, then the token endpoint. A plain-JavaScript copy of
// packages/controller/src/test-support/devLogin.ts, which is not part of the compiled build.
import { createHash, randomBytes } from 'node:crypto';

/** Keeps cookies between requests, as a browser would, for one host. */
class CookieJar {
  #cookies = new Map();

  store(response) {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const index = pair?.indexOf('=') ?? -1;
      if (pair && index > 0) this.#cookies.set(pair.slice(0, index), pair.slice(index + 1));
    }
  }

  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Signs `username` in and returns `{ accessToken, refreshToken, idToken }`. Throws if any step
 * fails.
 */
export async function devLogin(baseUrl, username, password, clientId = 'plenum-web') {
  const jar = new CookieJar();
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = `${baseUrl}/auth/callback`;
  const authorize = new URL(`${baseUrl}/idp/auth`);
  authorize.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
  }).toString();

  const go = async (url, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('cookie', jar.header());
    const response = await fetch(url, { ...init, redirect: 'manual', headers });
    jar.store(response);
    return response;
  };
  const location = (response) => {
    const next = response.headers.get('location');
    if (!next) throw new Error(`expected a redirect, got HTTP ${response.status}: ${response.statusText}`);
    return new URL(next, baseUrl).href;
  };

  // Authorize → interaction (login form) → submit → resume → interaction (consent) → resume → callback.
  let response = await go(authorize.href);
  let url = location(response);
  for (let step = 0; step < 10 && !url.startsWith(redirectUri); step++) {
    if (/\/interaction\/[^/]+$/.test(new URL(url).pathname)) {
      const page = await go(url);
      if (page.status === 200 && (page.headers.get('content-type') ?? '').includes('text/html')) {
        const html = await page.text();
        const action = /action="([^"]+)"/.exec(html)?.[1];
        if (!action) throw new Error('login form without action');
        response = await go(new URL(action.replaceAll('&amp;', '&'), baseUrl).href, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username, password }).toString(),
        });
        if (response.status === 401) throw new Error('dev login refused the credentials');
      } else {
        response = page;
      }
    } else {
      response = await go(url);
    }
    url = location(response);
  }
  const code = new URL(url).searchParams.get('code');
  if (!code) throw new Error(`no authorization code in ${new URL(url).pathname}`);

  const token = await fetch(`${baseUrl}/idp/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: clientId,
      code_verifier: verifier,
    }).toString(),
  });
  const body = await token.json();
  if (!token.ok || !body.access_token) throw new Error(`token endpoint: ${body.error ?? token.status}`);
  return { accessToken: body.access_token, refreshToken: body.refresh_token, idToken: body.id_token };
}
