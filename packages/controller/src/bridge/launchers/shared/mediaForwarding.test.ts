import { describe, expect, it } from 'vitest';
import { renderJanusConfig } from './janusConfig.js';
import { explicitAddress, resolveMediaAddress, usableAddresses } from './mediaAddress.js';
import { forwardingRules } from './mediaForwarding.js';

const spec = { id: 'abcdefgh12', hostAddress: '203.0.113.5', bridgeAddress: '198.18.0.6', ports: [20100, 20199] as [number, number], hostInterface: 'plh-abcdefgh12' };

describe('media forwarding into a bridge', () => {
  it('forwards only the bridge slice, both ways, keeping ports, every rule tagged with the bridge', () => {
    const rules = forwardingRules(spec);
    expect(rules.every((rule) => rule.join(' ').includes('--comment plenum:abcdefgh12'))).toBe(true);
    const text = rules.map((rule) => rule.join(' '));
    // In from browsers elsewhere and from this host itself (the TURN relay): DNAT without a port keeps it.
    expect(text).toContain('nat PREROUTING -d 203.0.113.5 -p udp --dport 20100:20199 -m comment --comment plenum:abcdefgh12 -j DNAT --to-destination 198.18.0.6');
    expect(text).toContain('nat OUTPUT -d 203.0.113.5 -p udp --dport 20100:20199 -m comment --comment plenum:abcdefgh12 -j DNAT --to-destination 198.18.0.6');
    expect(text).toContain('nat POSTROUTING -s 198.18.0.6 -p udp --sport 20100:20199 -m comment --comment plenum:abcdefgh12 -j SNAT --to-source 203.0.113.5');
    // Nothing else leaves the bridge's link through the host.
    expect(text).toContain('filter FORWARD -i plh-abcdefgh12 -m comment --comment plenum:abcdefgh12 -j DROP');
    expect(rules.filter((rule) => rule[2] === '-i' && rule.includes('ACCEPT')).every((rule) => rule.includes('--sport') && rule.includes('udp'))).toBe(true);
  });

  it('has Janus advertise the public address only when one is given', () => {
    const base = { dir: '/run/plenum/bridges/x', mediaAddress: '198.18.0.6', rtpPorts: [20100, 20199] as [number, number], apiSecret: 's', transport: { kind: 'websocket' as const, address: '198.18.0.6', port: 8188 } };
    expect(renderJanusConfig({ ...base, natMapping: '203.0.113.5' })['janus.jcfg']).toContain('nat_1_1_mapping = "203.0.113.5"');
    expect(renderJanusConfig(base)['janus.jcfg']).not.toContain('nat_1_1_mapping');
  });
});

describe('the media public address', () => {
  it('names an address only when the setting is one', () => {
    expect([explicitAddress('auto'), explicitAddress('internal'), explicitAddress('203.0.113.5')]).toEqual([undefined, undefined, '203.0.113.5']);
  });

  it('takes an address that is not on this machine as a 1:1 NAT in front of its primary address', async () => {
    const local = await usableAddresses();
    const resolved = await resolveMediaAddress('203.0.113.254');
    expect(resolved).toMatchObject({ advertised: '203.0.113.254', source: 'configured, behind 1:1 NAT' });
    expect(local).toContain(resolved.local);
  });

  it('detects one of this machine’s own addresses, never a bridge veth', async () => {
    const resolved = await resolveMediaAddress('auto');
    expect(resolved.source).toBe('detected');
    expect(resolved.advertised).toBe(resolved.local);
    expect(resolved.local).not.toMatch(/^(127\.|198\.1[89]\.)/);
  });
});
