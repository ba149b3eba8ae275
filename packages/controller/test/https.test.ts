import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TLSSocket } from 'node:tls';
import { StartResponse, signalingSubprotocol, ticketSubprotocolPrefix } from '@plenum/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { apiClient, json } from '../src/test-support/apiClient.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';
import { fetchTrusting } from '../src/test-support/trustingFetch.js';
import type { ServerTls } from '../src/tls/serverTls.js';

/** GET over HTTPS trusting only `ca`: status, headers and the fingerprint of the certificate served. */
function getTrusting(url: string, ca: Buffer): Promise<{ status: number; hsts: string | undefined; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (response) => {
      const { socket } = response;
      if (!(socket instanceof TLSSocket)) throw new Error('expected a TLS socket');
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, hsts: response.headers['strict-transport-security'], fingerprint }));
    }).on('error', reject);
  });
}

describe('HTTPS with a self-signed certificate', () => {
  let t: TestApp;
  let tls: ServerTls;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'plenum-https-'));
    t = await startTestApp({ env: { PLENUM_TLS_SELF_SIGNED: '127.0.0.1', PLENUM_DATA_DIR: dataDir } });
    if (!t.tls) throw new Error('expected the test app to serve TLS');
    tls = t.tls;
    // devLogin and apiClient use the global fetch; this one trusts the test's certificate.
    vi.stubGlobal('fetch', fetchTrusting(tls.cert));
  });
  afterAll(async () => {
    vi.unstubAllGlobals();
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves /healthz over https with the generated certificate, kept in <data dir>/tls', async () => {
    expect(t.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(tls.certFile).toBe(path.join(dataDir, 'tls', 'cert.pem'));
    const response = await getTrusting(`${t.baseUrl}/healthz`, tls.cert);
    expect(response.status).toBe(200);
    expect(response.fingerprint).toBe(tls.fingerprint);
  });

  it('sends HSTS', async () => {
    expect((await getTrusting(`${t.baseUrl}/healthz`, tls.cert)).hsts).toMatch(/max-age=\d+/);
  });

  it('publishes an https issuer in the OpenID discovery document', async () => {
    const discovery = json(await apiClient(t.baseUrl)('GET', '/idp/.well-known/openid-configuration'));
    expect(discovery.issuer).toBe(`${t.baseUrl}/idp`);
    expect(String(discovery.token_endpoint)).toMatch(/^https:\/\//);
  });

  it('signs in, starts a room and joins its signaling over wss', async () => {
    const alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    const roomId = String(json(await alice('POST', '/v1/rooms', { name: 'Over TLS' })).id);
    const { ticket } = StartResponse.parse((await alice('POST', `/v1/rooms/${roomId}/start`, {})).body);

    const socket = new WebSocket(`${t.baseUrl.replace(/^https/, 'wss')}/v1/signaling`, [signalingSubprotocol, `${ticketSubprotocolPrefix}${ticket}`], { ca: tls.cert });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
        socket.once('error', reject);
      });
      const joined = new Promise<Record<string, unknown>>((resolve) => {
        socket.on('message', (data: Buffer) => {
          const event = JSON.parse(data.toString('utf8')) as { namespace: string; payload: Record<string, unknown> };
          if (event.namespace === 'control' && event.payload.message === 'join_success') resolve(event.payload);
        });
      });
      socket.send(JSON.stringify({ namespace: 'control', payload: { action: 'join' } }));
      expect((await joined).id).toEqual(expect.any(String));
    } finally {
      socket.close();
    }
  });

  it('drops a plain http request to its port without an answer', async () => {
    const plainUrl = t.baseUrl.replace(/^https/, 'http');
    const outcome = await new Promise<string>((resolve) => {
      httpGet(`${plainUrl}/healthz`, (response) => {
        response.resume();
        resolve(`HTTP ${response.statusCode}`);
      }).on('error', (error) => resolve(`error ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    });
    // A TLS server cannot read a plain request: it drops the connection without an answer.
    expect(outcome).toMatch(/^error /);
  });
});

describe('plain HTTP without TLS settings', () => {
  it('serves http and sends no HSTS', async () => {
    const t = await startTestApp();
    try {
      expect(t.tls).toBeUndefined();
      expect(t.baseUrl).toMatch(/^http:\/\//);
      const response = await fetch(`${t.baseUrl}/healthz`);
      expect(response.status).toBe(200);
      expect(response.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await t.close();
    }
  });
});
