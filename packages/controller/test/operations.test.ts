import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Invite, StartResponse } from '@plenum/protocol';
import { apiClient, json } from '../src/test-support/apiClient.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

describe('operations: health, readiness, metrics, OpenAPI, logs', () => {
  let t: TestApp;
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers /healthz and /readyz without a token', async () => {
    expect(await (await fetch(`${t.baseUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${t.baseUrl}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  it('serves the dev provider discovery document at the configured issuer', async () => {
    const response = await fetch(`${t.baseUrl}/idp/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const discovery = (await response.json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(`${t.baseUrl}/idp`);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(String(discovery.jwks_uri)).toBe(`${t.baseUrl}/idp/jwks`);
  });

  it('documents every REST route in /v1/openapi.json, including the public client settings', async () => {
    const response = await fetch(`${t.baseUrl}/v1/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown[] }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/v1/client_config',
        '/v1/events',
        '/v1/events/{eventId}',
        '/v1/events/{eventId}/instances',
        '/v1/invites/{code}',
        '/v1/rooms',
        '/v1/rooms/{roomId}',
        '/v1/rooms/{roomId}/invites',
        '/v1/rooms/{roomId}/invites/{code}',
        '/v1/rooms/{roomId}/start',
        '/v1/rooms/{roomId}/start_invited',
        '/v1/rooms/{roomId}/guest_token',
        '/v1/users/me',
      ].sort(),
    );
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
    expect(doc.paths['/v1/client_config']?.get?.security).toEqual([]);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Room', 'Event', 'Invite', 'Error', 'User', 'ClientConfig']));
  });

  it('exposes Prometheus metrics including request durations per route', async () => {
    await fetch(`${t.baseUrl}/healthz`);
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(text).toContain('plenum_http_request_duration_seconds_bucket');
    expect(text).toMatch(/route="\/healthz"/);
    expect(text).toContain('plenum_process_resident_memory_bytes');
  });

  it('sends a strict Content-Security-Policy and no framing', async () => {
    const response = await fetch(`${t.baseUrl}/healthz`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('never writes tokens, passwords, invite codes or tickets to the log', async () => {
    const tokens = await devLogin(t.baseUrl, 'alice', 'test-password');
    secrets.push(tokens.accessToken, tokens.refreshToken ?? 'no-refresh-token', 'test-password');
    const alice = apiClient(t.baseUrl, tokens.accessToken);
    const roomPassword = 'room-password-4711';
    secrets.push(roomPassword);
    const roomId = String(json(await alice('POST', '/v1/rooms', { name: 'Logged', password: roomPassword })).id);
    const invite = Invite.parse((await alice('POST', `/v1/rooms/${roomId}/invites`, {})).body);
    secrets.push(invite.code);
    await fetch(`${t.baseUrl}/v1/invites/${invite.code}`);
    const guest = await apiClient(t.baseUrl)('POST', `/v1/rooms/${roomId}/start_invited`, {
      inviteCode: invite.code,
      displayName: 'Guest',
      password: roomPassword,
    });
    secrets.push(StartResponse.parse(guest.body).ticket);
    await apiClient(t.baseUrl, 'not.a.valid-token')('GET', '/v1/users/me');
    secrets.push('not.a.valid-token');
    // A failing request logs its error; make one that reaches the error handler with a body.
    await alice('POST', '/v1/rooms', `{"name":"x","password":"${roomPassword}"`);

    const log = t.logs.join('');
    expect(log.length).toBeGreaterThan(1000);
    expect(log).toContain('/v1/invites/[redacted]');
    for (const secret of secrets) expect(log).not.toContain(secret);
  });

  it('reports not ready, with a 503, when the database is gone', async () => {
    const other = await startTestApp();
    await other.db.close();
    const response = await fetch(`${other.baseUrl}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'service_unavailable' });
    await other.app.close();
    await other.tickets.close();
  });
});

describe('the same REST flow on PostgreSQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ database: 'postgres' });
  });
  afterAll(() => t.close());

  it('creates a room, invites a guest and hands out tickets', async () => {
    const alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    const room = json(await alice('POST', '/v1/rooms', { name: 'On Postgres', password: 'pw', videoCodec: 'vp9' }));
    expect(room).toMatchObject({ name: 'On Postgres', hasPassword: true, videoCodec: 'vp9' });
    const invite = Invite.parse((await alice('POST', `/v1/rooms/${String(room.id)}/invites`, { maxUses: 1 })).body);
    const guest = await apiClient(t.baseUrl)('POST', `/v1/rooms/${String(room.id)}/start_invited`, {
      inviteCode: invite.code,
      displayName: 'Guest',
      password: 'pw',
    });
    expect(guest.status).toBe(200);
    expect(await t.tickets.redeem(StartResponse.parse(guest.body).ticket)).toMatchObject({ kind: 'guest' });
    const rows = await t.db.query<{ uses: number }>('SELECT uses FROM invites WHERE code = $1', [invite.code]);
    expect(rows[0]?.uses).toBe(1);
    expect(t.db.kind).toBe('postgres');
  });
});
