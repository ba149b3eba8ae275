import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMediaCalls, type MediaCalls } from '../src/test-support/mediaCall.js';
import { testHostAddress } from '../src/test-support/launchers/hostAddress.js';

const bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-host-media-'));

/**
 * The host launcher's media path, with a stand-in for the machine's LAN address (the host side
 * of a veth made by the test): Janus gathers only there, and the browsers offer only their
 * candidate on that address, so no packet is sent to the machine's real address.
 */
describe('media through a conference bridge on the host network (PLENUM_BRIDGE_LAUNCHER=host), in Chromium', () => {
  let host: Awaited<ReturnType<typeof testHostAddress>>;
  let calls: MediaCalls;

  beforeAll(async () => {
    host = await testHostAddress();
    calls = await startMediaCalls({
      appOptions: { env: { PLENUM_BRIDGE_LAUNCHER: 'host', PLENUM_BRIDGE_HOST_ADDRESS: host.address, PLENUM_BRIDGE_DIR: bridgeDir, PLENUM_BRIDGE_GRACE: '1' } },
    });
  });

  afterAll(async () => {
    await calls.close();
    await host.remove();
    rmSync(bridgeDir, { recursive: true, force: true });
  });

  it('warns at start that isolation is reduced', () => {
    expect(calls.t.logs.join('')).toMatch(/isolation is reduced/);
  });

  it('two participants decode each other’s video and hear each other; the bridge’s directory goes when they leave', async () => {
    const call = await calls.call({ name: 'On the host', videoCodec: 'vp8', join: { candidateAddressPrefixes: [host.address] } });
    const { bridge } = await calls.t.app.signaling.bridges.get(call.roomId, 'vp8');
    expect(bridge.mediaAddress).toBe(host.address);
    expect(call.video.aFromB.codec?.toLowerCase()).toContain('vp8');
    expect(call.video.bFromA.codec?.toLowerCase()).toContain('vp8');

    await call.close();
    await expect.poll(() => existsSync(path.join(bridgeDir, bridge.id)), { timeout: 20_000 }).toBe(false);
  });
});
