import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/config.js';
import { JanusClient } from '../../janus/client.js';
import { WebSocketJanusTransport } from '../../janus/websocketTransport.js';
import { HostLauncher } from './hostLauncher.js';
import { testHostAddress } from '../../../test-support/launchers/hostAddress.js';
import { BridgeLaunchError, type Bridge } from '../../launcher.js';

// What every launcher does (Janus answers, crashes reported, close and sweep remove
// everything, RabbitMQ accounts) is hostLauncher.contract.test.ts; here: what is the host's own.

const baseDir = mkdtempSync(path.join(tmpdir(), 'plenum-host-bridges-'));
const newId = () => randomBytes(5).toString('hex');

let host: Awaited<ReturnType<typeof testHostAddress>>;
let launcher: HostLauncher;
const warnings: string[] = [];

beforeAll(async () => {
  host = await testHostAddress();
  launcher = new HostLauncher({ baseDir, mediaAddress: host.address, warn: (message) => warnings.push(message) });
});

afterAll(async () => {
  await launcher.close();
  await host.remove();
  rmSync(baseDir, { recursive: true, force: true });
});

async function videoroom(bridge: Bridge, secret: string, body: object): Promise<unknown> {
  if (bridge.api.kind !== 'websocket') throw new Error('expected the WebSocket API');
  const client = new JanusClient(await WebSocketJanusTransport.connect(bridge.api.url), { apiSecret: secret });
  try {
    const handle = await (await client.createSession()).attach('janus.plugin.videoroom');
    return await handle.request(body);
  } finally {
    await client.close();
  }
}

/** PIDs of the janus processes whose command line names the bridge's directory. */
function janusPids(id: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return cmdline[0] === 'janus' && cmdline.includes(path.join(baseDir, id)) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('HostLauncher', () => {
  it('warns that isolation is reduced, and refuses a loopback media address', () => {
    expect(warnings.join('\n')).toMatch(/isolation is reduced/);
    expect(() => new HostLauncher({ baseDir, mediaAddress: '127.0.0.1', warn: () => undefined })).toThrow(BridgeLaunchError);
  });

  it('starts each conference its own Janus: own API port, secret, RTP ports, media only on the configured address', async () => {
    const [a, b] = await Promise.all([launcher.launch({ id: newId(), apiSecret: 'secret-a' }), launcher.launch({ id: newId(), apiSecret: 'secret-b' })]);
    expect(a.mediaAddress).toBe(host.address);
    expect(a.api).not.toEqual(b.api);
    expect(await videoroom(a, 'secret-a', { request: 'create', room: 'conference' })).toMatchObject({ videoroom: 'created' });
    expect(await videoroom(b, 'secret-b', { request: 'exists', room: 'conference' })).toMatchObject({ exists: false });
    await expect(videoroom(a, 'secret-b', { request: 'exists', room: 'conference' })).rejects.toThrow(/Unauthorized|403/i);

    const config = (bridge: Bridge) => readFileSync(path.join(baseDir, bridge.id, 'janus.jcfg'), 'utf8');
    expect(config(a)).toContain(`ice_enforce_list = "${host.address}"`);
    const range = (bridge: Bridge) => /rtp_port_range = "(\d+)-(\d+)"/.exec(config(bridge))?.slice(1).map(Number);
    expect(range(a)).not.toEqual(range(b));
    await Promise.all([a.close(), b.close()]);
  });

  it('runs Janus as a user of its own without capabilities or core dumps', async () => {
    const bridge = await launcher.launch({ id: newId(), apiSecret: 's' });
    const [pid] = janusPids(bridge.id);
    expect(pid).toBeDefined();
    const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\s+4\d{5}\s/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(readFileSync(`/proc/${String(pid)}/limits`, 'utf8')).toMatch(/^Max core file size\s+0\s+0/m);
    await bridge.close();
  });
});

describe('PLENUM_BRIDGE_HOST_ADDRESS', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('is required with the host launcher, and must not be loopback', () => {
    expect(problems({ PLENUM_BRIDGE_LAUNCHER: 'host' })).toEqual([expect.stringMatching(/^PLENUM_BRIDGE_HOST_ADDRESS: required with PLENUM_BRIDGE_LAUNCHER=host/)]);
    expect(problems({ PLENUM_BRIDGE_LAUNCHER: 'host', PLENUM_BRIDGE_HOST_ADDRESS: '127.0.0.1' })).toEqual([expect.stringMatching(/^PLENUM_BRIDGE_HOST_ADDRESS: .*not loopback/)]);
    expect(problems({ PLENUM_BRIDGE_LAUNCHER: 'host', PLENUM_BRIDGE_HOST_ADDRESS: 'example.org' })).toEqual([expect.stringMatching(/^PLENUM_BRIDGE_HOST_ADDRESS: /)]);
    expect(loadConfig({ PLENUM_BRIDGE_LAUNCHER: 'host', PLENUM_BRIDGE_HOST_ADDRESS: '192.0.2.10' }).bridge.hostAddress).toBe('192.0.2.10');
  });
});
