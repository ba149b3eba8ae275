/**
 * Peer addresses the relay never sends to: without these, anyone with credentials could use
 * the relay to reach the controller's machine, its network, or the bridges' internal veth
 * addresses. `allowed-peer-ip` (the media public address) wins over these in coturn, so a LAN
 * deployment whose public address is private still reaches its bridges.
 */
export const deniedPeerRanges: readonly { range: string; what: string }[] = [
  { range: '0.0.0.0-0.255.255.255', what: '0.0.0.0/8 this network' },
  { range: '10.0.0.0-10.255.255.255', what: '10.0.0.0/8 private' },
  { range: '100.64.0.0-100.127.255.255', what: '100.64.0.0/10 carrier-grade NAT' },
  { range: '127.0.0.0-127.255.255.255', what: '127.0.0.0/8 loopback' },
  { range: '169.254.0.0-169.254.255.255', what: '169.254.0.0/16 link-local, cloud metadata' },
  { range: '172.16.0.0-172.31.255.255', what: '172.16.0.0/12 private' },
  { range: '192.168.0.0-192.168.255.255', what: '192.168.0.0/16 private' },
  { range: '198.18.0.0-198.19.255.255', what: '198.18.0.0/15 the bridges\' internal veth addresses' },
  { range: '224.0.0.0-239.255.255.255', what: '224.0.0.0/4 multicast' },
  { range: '240.0.0.0-255.255.255.255', what: '240.0.0.0/4 reserved, broadcast' },
  { range: '::1', what: '::1 IPv6 loopback' },
  { range: '::ffff:0.0.0.0-::ffff:255.255.255.255', what: '::ffff:0:0/96 IPv4-mapped (would bypass the IPv4 ranges)' },
  { range: 'fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', what: 'fc00::/7 IPv6 unique local' },
  { range: 'fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', what: 'fe80::/10 IPv6 link-local' },
];

/** What `renderTurnServerConfig` writes into coturn's config file. */
export interface TurnServerSettings {
  /** The media public address: coturn listens and relays on it, and may relay to it. */
  address: string;
  /**
   * An address of this machine behind a 1:1 NAT whose public side is `address` (a cloud's
   * floating IP): coturn listens and relays on it, advertises `address`, may relay to both.
   * Default: `address` itself.
   */
  listenAddress?: string | undefined;
  port: number;
  tlsPort: number;
  relayPorts: readonly [number, number];
  /** PEM files for TURN over TLS. */
  cert: string;
  key: string;
  /** coturn's `static-auth-secret`. */
  secret: string;
  realm: string;
  /** coturn's own directory, for its pid file. */
  dir: string;
  /** User and group coturn switches to once its ports are bound; `undefined`: stays who started it. */
  processUser: { user: string; group: string } | undefined;
}

function checkValue(name: string, value: string): string {
  if (/[\s#"]/.test(value) || value.length === 0) throw new RangeError(`${name} cannot go into coturn's config file: ${JSON.stringify(name === 'secret' ? '***' : value)}`);
  return value;
}

/**
 * coturn's config file (`turnserver -c`): TURN REST credentials only, UDP, TCP and TLS (1.2+)
 * listeners on one address, UDP relays only, no CLI, no DTLS, no relaying to internal
 * addresses. Logs go to stdout, which the controller reads.
 */
export function renderTurnServerConfig(settings: TurnServerSettings): string {
  const { address, port, tlsPort, relayPorts, realm, dir } = settings;
  const local = settings.listenAddress ?? address;
  const natted = local !== address;
  const lines = [
    '# Written by the Plenum controller for this run of coturn; changes are lost.',
    `listening-ip=${checkValue('listenAddress', local)}`,
    `relay-ip=${local}`,
    ...(natted ? [`external-ip=${checkValue('address', address)}/${local}`] : []),
    `listening-port=${port}`,
    `tls-listening-port=${tlsPort}`,
    `min-port=${relayPorts[0]}`,
    `max-port=${relayPorts[1]}`,
    `cert=${checkValue('cert', settings.cert)}`,
    `pkey=${checkValue('key', settings.key)}`,
    'no-tlsv1',
    'no-tlsv1_1',
    'no-dtls',
    'no-tcp-relay',
    'use-auth-secret',
    `static-auth-secret=${checkValue('secret', settings.secret)}`,
    `realm=${checkValue('realm', realm)}`,
    'fingerprint',
    'stale-nonce=600',
    'no-cli',
    'no-software-attribute',
    'no-stun-backward-compatibility',
    'no-multicast-peers',
    // Loopback peers are refused unless `allow-loopback-peers`; the range below says so again.
    ...deniedPeerRanges.map(({ range }) => `denied-peer-ip=${range}`),
    `allowed-peer-ip=${checkValue('address', address)}`,
    ...(natted ? [`allowed-peer-ip=${local}`] : []),
    `pidfile=${checkValue('dir', dir)}/turnserver.pid`,
    // coturn always opens a user database (we need none): in memory, not /var/lib/turn/turndb.
    'userdb=:memory:',
    'log-file=stdout',
    'simple-log',
    ...(settings.processUser === undefined ? [] : [`proc-user=${checkValue('user', settings.processUser.user)}`, `proc-group=${checkValue('group', settings.processUser.group)}`]),
  ];
  return `${lines.join('\n')}\n`;
}
