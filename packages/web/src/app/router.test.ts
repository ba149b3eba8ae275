// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { invitePath, parseRoute, roomPath } from './router.js';

describe('parseRoute', () => {
  it.each([
    ['/', { name: 'home' }],
    ['', { name: 'home' }],
    ['/auth/callback', { name: 'callback' }],
    ['/room/6b0f2c1e-4a8d-4c3b-9e2f-1a7d5c9b3e40', { name: 'room', roomId: '6b0f2c1e-4a8d-4c3b-9e2f-1a7d5c9b3e40' }],
    ['/room/abc/', { name: 'room', roomId: 'abc' }],
    ['/invite/Ab3_-xY9Ab3_-xY9Ab3_-x', { name: 'invite', code: 'Ab3_-xY9Ab3_-xY9Ab3_-x' }],
  ])('%j is %j', (path, route) => {
    expect(parseRoute(path)).toEqual(route);
  });

  it.each([
    '/room/',
    '/room',
    '/room/../../admin',
    '/room/a/b',
    '/room/%2e%2e',
    '/room/<script>alert(1)</script>',
    '/room/abc"onmouseover="x',
    '/room/abc\n',
    '/room/abc%0a',
    '/room/' + 'a'.repeat(65),
    '//evil.example/room/abc',
    '/ROOM/abc',
    '/x/room/abc',
    '/invite/',
    '/invite/abc?x=1',
    '/invite/javascript:alert(1)',
    '/auth/callback/extra',
    '/auth/callback?code=x',
  ])('%j is not found', (path) => {
    expect(parseRoute(path)).toEqual({ name: 'notFound' });
  });

  it('accepts IDs up to 64 characters', () => {
    expect(parseRoute('/room/' + 'a'.repeat(64))).toEqual({ name: 'room', roomId: 'a'.repeat(64) });
  });

  it('builds paths that parse back to the same ID, escaping anything unusual', () => {
    expect(parseRoute(roomPath('abc-123'))).toEqual({ name: 'room', roomId: 'abc-123' });
    expect(parseRoute(invitePath('Ab3_-x'))).toEqual({ name: 'invite', code: 'Ab3_-x' });
    expect(roomPath('../a b')).toBe('/room/..%2Fa%20b');
    expect(parseRoute(roomPath('../a b'))).toEqual({ name: 'notFound' });
  });
});
