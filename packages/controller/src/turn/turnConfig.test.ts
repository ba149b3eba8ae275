import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../test-support/configProblems.js';
import { loadConfig } from '../config/config.js';


const secret = 'a-shared-secret-of-the-turn-server';

describe('PLENUM_TURN* settings', () => {
  it('default to the embedded coturn on 3478 and 5349, relays on 61000-65535, a self-signed certificate', () => {
    expect(loadConfig({}).turn).toEqual({ mode: 'embedded', port: 3478, tlsPort: 5349, relayPorts: [61_000, 65_535], tlsCert: undefined, tlsKey: undefined });
  });

  it('read the embedded server\'s ports, relay range and certificate', () => {
    const turn = loadConfig({
      PLENUM_TURN_PORT: '3479',
      PLENUM_TURN_TLS_PORT: '443',
      PLENUM_TURN_RELAY_PORTS: '62000-62999',
      PLENUM_TURN_TLS_CERT: 'certs/turn.pem',
      PLENUM_TURN_TLS_KEY: 'certs/turn-key.pem',
    }).turn;
    expect(turn).toEqual({ mode: 'embedded', port: 3479, tlsPort: 443, relayPorts: [62_000, 62_999], tlsCert: path.resolve('certs/turn.pem'), tlsKey: path.resolve('certs/turn-key.pem') });
  });

  it('use the HTTPS server\'s certificate for TURN over TLS unless given one of their own', () => {
    const https = { PLENUM_TLS_CERT: '/etc/plenum/cert.pem', PLENUM_TLS_KEY: '/etc/plenum/key.pem' };
    expect(loadConfig(https).turn).toMatchObject({ tlsCert: '/etc/plenum/cert.pem', tlsKey: '/etc/plenum/key.pem' });
    expect(loadConfig({ ...https, PLENUM_TURN_TLS_CERT: '/t/c.pem', PLENUM_TURN_TLS_KEY: '/t/k.pem' }).turn).toMatchObject({ tlsCert: '/t/c.pem', tlsKey: '/t/k.pem' });
  });

  it('read an external server\'s URLs and secret', () => {
    const turn = loadConfig({ PLENUM_TURN: 'external', PLENUM_TURN_URLS: 'turn:turn.example.org:3478?transport=udp, turns:turn.example.org:443?transport=tcp', PLENUM_TURN_SECRET: secret }).turn;
    expect(turn).toEqual({ mode: 'external', urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:443?transport=tcp'], secret });
  });

  it('switch TURN off', () => {
    expect(loadConfig({ PLENUM_TURN: 'off' }).turn).toEqual({ mode: 'off' });
  });

  it('need URLs and a secret for an external server, and never show the secret', () => {
    expect(problemsOf({ PLENUM_TURN: 'external' })).toEqual([
      'PLENUM_TURN_URLS: required with PLENUM_TURN=external: the TURN server\'s turn: or turns: URLs',
      'PLENUM_TURN_SECRET: required with PLENUM_TURN=external: the TURN server\'s shared secret',
    ]);
    const [short] = problemsOf({ PLENUM_TURN: 'external', PLENUM_TURN_URLS: 'turn:x.example', PLENUM_TURN_SECRET: 'short-secret' });
    expect(short).toMatch(/^PLENUM_TURN_SECRET: must have at least 16 characters, got "\*\*\*"$/);
  });

  it('refuse URLs that are not turn: or turns: URLs', () => {
    expect(problemsOf({ PLENUM_TURN: 'external', PLENUM_TURN_URLS: 'stun:x.example:3478', PLENUM_TURN_SECRET: secret })[0]).toMatch(/^PLENUM_TURN_URLS: must be turn:/);
    expect(problemsOf({ PLENUM_TURN: 'external', PLENUM_TURN_URLS: 'turn:x.example?transport=sctp', PLENUM_TURN_SECRET: secret })[0]).toMatch(/^PLENUM_TURN_URLS/);
  });

  it('refuse a relay range that overlaps the bridges\' media ports or the listening ports', () => {
    expect(problemsOf({ PLENUM_TURN_RELAY_PORTS: '50000-60000' })).toEqual([expect.stringMatching(/^PLENUM_TURN_RELAY_PORTS: must not overlap the bridges' media ports 20000-59999/)]);
    expect(problemsOf({ PLENUM_TURN_RELAY_PORTS: '61000-61100', PLENUM_TURN_PORT: '61050' })).toEqual(['PLENUM_TURN_PORT: must lie outside PLENUM_TURN_RELAY_PORTS 61000-61100, got "61050"']);
    expect(problemsOf({ PLENUM_TURN_TLS_PORT: '3478' })).toEqual(['PLENUM_TURN_TLS_PORT: must differ from PLENUM_TURN_PORT, got "3478"']);
  });

  it('need both certificate and key, or neither', () => {
    expect(problemsOf({ PLENUM_TURN_TLS_CERT: '/c.pem' })).toEqual(['PLENUM_TURN_TLS_KEY: set both PLENUM_TURN_TLS_CERT and PLENUM_TURN_TLS_KEY, or neither']);
  });
});
