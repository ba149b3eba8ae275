import { describe, expect, it } from 'vitest';
import { deniedPeerRanges, renderTurnServerConfig, type TurnServerSettings } from './turnServerConfig.js';

const settings: TurnServerSettings = {
  address: '203.0.113.5',
  port: 3478,
  tlsPort: 443,
  relayPorts: [61_000, 65_535],
  cert: '/run/plenum/turn/tls/cert.pem',
  key: '/run/plenum/turn/tls/key.pem',
  secret: '0123456789abcdef0123456789abcdef',
  realm: 'plenum',
  dir: '/run/plenum/turn',
  processUser: { user: 'turnserver', group: 'turnserver' },
};
const lines = (config: string) => config.split('\n');

describe('renderTurnServerConfig()', () => {
  it('denies relaying to this network, private, CGNAT, loopback, link-local, the bridges\' veths, multicast, reserved and IPv6 loopback, ULA, link-local', () => {
    const denied = lines(renderTurnServerConfig(settings)).filter((line) => line.startsWith('denied-peer-ip='));
    expect(denied).toEqual([
      'denied-peer-ip=0.0.0.0-0.255.255.255',
      'denied-peer-ip=10.0.0.0-10.255.255.255',
      'denied-peer-ip=100.64.0.0-100.127.255.255',
      'denied-peer-ip=127.0.0.0-127.255.255.255',
      'denied-peer-ip=169.254.0.0-169.254.255.255',
      'denied-peer-ip=172.16.0.0-172.31.255.255',
      'denied-peer-ip=192.168.0.0-192.168.255.255',
      'denied-peer-ip=198.18.0.0-198.19.255.255',
      'denied-peer-ip=224.0.0.0-239.255.255.255',
      'denied-peer-ip=240.0.0.0-255.255.255.255',
      'denied-peer-ip=::1',
      'denied-peer-ip=::ffff:0.0.0.0-::ffff:255.255.255.255',
      'denied-peer-ip=fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      'denied-peer-ip=fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ]);
    expect(denied).toHaveLength(deniedPeerRanges.length);
    expect(lines(renderTurnServerConfig(settings))).not.toContain('allow-loopback-peers');
    expect(lines(renderTurnServerConfig(settings))).toContain('no-multicast-peers');
  });

  it('allows relaying to the media public address, even a private one (allowed wins over denied in coturn)', () => {
    expect(lines(renderTurnServerConfig(settings))).toContain('allowed-peer-ip=203.0.113.5');
    expect(lines(renderTurnServerConfig({ ...settings, address: '192.168.1.20' }))).toContain('allowed-peer-ip=192.168.1.20');
  });

  it('behind a 1:1 NAT listens and relays on the local address, advertises the public one and may relay to both', () => {
    const config = lines(renderTurnServerConfig({ ...settings, listenAddress: '10.0.0.5' }));
    expect(config).toEqual(expect.arrayContaining(['listening-ip=10.0.0.5', 'relay-ip=10.0.0.5', 'external-ip=203.0.113.5/10.0.0.5', 'allowed-peer-ip=203.0.113.5', 'allowed-peer-ip=10.0.0.5']));
    expect(lines(renderTurnServerConfig(settings)).filter((line) => line.startsWith('external-ip='))).toEqual([]);
  });

  it('takes TURN REST credentials with the secret only, in the realm', () => {
    const config = lines(renderTurnServerConfig(settings));
    expect(config).toEqual(expect.arrayContaining(['use-auth-secret', `static-auth-secret=${settings.secret}`, 'realm=plenum', 'fingerprint', 'stale-nonce=600']));
    expect(config.filter((line) => /^(lt-cred-mech|no-auth|user=)/.test(line))).toEqual([]);
  });

  it('listens and relays on the public address only: UDP, TCP, TLS 1.2+, UDP relays in the range, no DTLS, no CLI', () => {
    const config = lines(renderTurnServerConfig(settings));
    expect(config).toEqual(
      expect.arrayContaining([
        'listening-ip=203.0.113.5',
        'relay-ip=203.0.113.5',
        'listening-port=3478',
        'tls-listening-port=443',
        'min-port=61000',
        'max-port=65535',
        'cert=/run/plenum/turn/tls/cert.pem',
        'pkey=/run/plenum/turn/tls/key.pem',
        'no-tlsv1',
        'no-tlsv1_1',
        'no-dtls',
        'no-tcp-relay',
        'no-cli',
        'no-software-attribute',
        'no-stun-backward-compatibility',
      ]),
    );
    expect(config.filter((line) => line.startsWith('listening-ip='))).toHaveLength(1);
  });

  it('logs to stdout, keeps its pid file in its directory, no database on disk, and switches to the given user', () => {
    const config = lines(renderTurnServerConfig(settings));
    expect(config).toEqual(expect.arrayContaining(['log-file=stdout', 'simple-log', 'pidfile=/run/plenum/turn/turnserver.pid', 'userdb=:memory:', 'proc-user=turnserver', 'proc-group=turnserver']));
    expect(lines(renderTurnServerConfig({ ...settings, processUser: undefined })).filter((line) => line.startsWith('proc-'))).toEqual([]);
  });

  it('refuses values that would break the file, without showing the secret', () => {
    expect(() => renderTurnServerConfig({ ...settings, cert: '/a b/cert.pem' })).toThrow(/cert cannot go into coturn's config file/);
    expect(() => renderTurnServerConfig({ ...settings, secret: 'line\nuser=x:y' })).toThrow(/secret cannot go into coturn's config file: "\*\*\*"/);
  });
});
