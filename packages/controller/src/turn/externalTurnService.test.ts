import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../test-support/freePort.js';
import { addTestAddress, type TestAddress } from '../test-support/testAddress.js';
import { EmbeddedTurnServer } from './embeddedTurnServer.js';
import { ExternalTurnService } from './externalTurnService.js';
import { parseTurnUrl } from './stunProbe.js';
import { turnServiceContract } from './turnService.contract.js';

/** A TEST-NET-3 address on a veth of this file's own, for a real coturn to stand in for the external server. */
const address = '203.0.113.78';
const secret = randomBytes(24).toString('base64');
let testAddress: TestAddress | undefined;
let parent = '';
let coturn: EmbeddedTurnServer | undefined;

beforeAll(async () => {
  testAddress = await addTestAddress('pltturn1', address);
  parent = mkdtempSync(path.join(tmpdir(), 'plenum-turn-external-'));
  coturn = await EmbeddedTurnServer.start({
    publicAddress: address,
    dir: path.join(parent, 'turn'),
    port: await freePort(),
    tlsPort: await freePort(),
    relayPorts: [62_200, 62_399],
    secret,
    log: pino({ level: 'silent' }),
  });
});
afterAll(async () => {
  await coturn?.close();
  await testAddress?.remove();
  if (parent) rmSync(parent, { recursive: true, force: true });
});

const coturnUrls = () => [...(coturn?.urls ?? [])];

turnServiceContract('ExternalTurnService', async () => new ExternalTurnService({ urls: coturnUrls(), secret }));

describe('ExternalTurnService', () => {
  it('hands out the configured URLs as they are', () => {
    const service = new ExternalTurnService({ urls: ['turn:turn.example.org?transport=udp', 'turns:turn.example.org:443?transport=tcp'], secret });
    expect(service.iceServers('p', Date.now() + 60_000)[0]?.urls).toEqual(['turn:turn.example.org?transport=udp', 'turns:turn.example.org:443?transport=tcp']);
  });

  it('reports no problem while the server answers STUN over UDP, over TCP, or accepts TLS connections', async () => {
    const [udp = '', tcp = '', tls = ''] = coturnUrls();
    for (const urls of [[udp], [tcp], [tls]]) {
      expect(await new ExternalTurnService({ urls, secret }).problem(), urls[0]).toBeUndefined();
    }
  });

  it('reports a server that does not answer, naming where it looked', async () => {
    // Nothing listens on the test address but the coturn on its own ports.
    const port = await freePort();
    const udp = new ExternalTurnService({ urls: [`turn:${address}:${port}?transport=udp`], secret, probeTimeoutMs: 300 });
    expect(await udp.problem()).toMatch(new RegExp(`^TURN server 203\\.0\\.113\\.78:${port} \\(udp\\) not answering: `));
    const tcp = new ExternalTurnService({ urls: [`turn:${address}:${port}?transport=tcp`], secret, probeTimeoutMs: 300 });
    expect(await tcp.problem()).toMatch(new RegExp(`^TURN server 203\\.0\\.113\\.78:${port} \\(tcp\\) not answering: .*ECONNREFUSED`));
  });

  it('probes the first turn: URL, not a turns: one before it', async () => {
    const [udp = ''] = coturnUrls();
    const port = await freePort();
    const service = new ExternalTurnService({ urls: [`turns:${address}:${port}?transport=tcp`, udp], secret, probeTimeoutMs: 300 });
    expect(await service.problem()).toBeUndefined();
  });

  describe('against a STUN responder that counts requests', () => {
    let responder: Socket;
    let port = 0;
    let requests = 0;
    beforeAll(async () => {
      responder = createSocket('udp4');
      responder.on('message', (message, from) => {
        requests += 1;
        const answer = Buffer.from(message.subarray(0, 20));
        answer.writeUInt16BE(0x0101, 0);
        answer.writeUInt16BE(0, 2);
        responder.send(answer, from.port, from.address);
      });
      await new Promise<void>((resolve) => responder.bind(0, address, resolve));
      port = responder.address().port;
    });
    afterAll(() => responder.close());

    it('reuses its finding for probeCacheMs', async () => {
      const cached = new ExternalTurnService({ urls: [`turn:${address}:${port}`], secret, probeCacheMs: 60_000 });
      const before = requests;
      expect(await cached.problem()).toBeUndefined();
      expect(await cached.problem()).toBeUndefined();
      expect(requests - before).toBe(1);
      const fresh = new ExternalTurnService({ urls: [`turn:${address}:${port}`], secret, probeCacheMs: 0 });
      await fresh.problem();
      await fresh.problem();
      expect(requests - before).toBe(3);
    });
  });

  it('refuses URLs that are not TURN URLs and a missing secret', () => {
    expect(() => new ExternalTurnService({ urls: ['stun:x.example'], secret })).toThrow(expect.objectContaining({ code: 'config' }));
    expect(() => new ExternalTurnService({ urls: [], secret })).toThrow(expect.objectContaining({ code: 'config' }));
    expect(() => new ExternalTurnService({ urls: ['turn:x.example'], secret: '' })).toThrow(expect.objectContaining({ code: 'config' }));
  });
});

describe('parseTurnUrl()', () => {
  it('reads host, port and transport, with the defaults of RFC 7065', () => {
    expect(parseTurnUrl('turn:turn.example.org')).toEqual({ secure: false, host: 'turn.example.org', port: 3478, transport: 'udp' });
    expect(parseTurnUrl('turn:192.0.2.1:3479?transport=tcp')).toEqual({ secure: false, host: '192.0.2.1', port: 3479, transport: 'tcp' });
    expect(parseTurnUrl('turns:turn.example.org')).toEqual({ secure: true, host: 'turn.example.org', port: 5349, transport: 'tcp' });
    expect(parseTurnUrl('turn:[2001:db8::1]:3478')).toEqual({ secure: false, host: '2001:db8::1', port: 3478, transport: 'udp' });
  });

  it('refuses anything else', () => {
    for (const url of ['stun:x.example', 'turn:', 'turn:x.example?transport=sctp', 'http://x.example']) expect(() => parseTurnUrl(url), url).toThrow(RangeError);
  });
});
