import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeLabel } from '../src/bridge/launchers/oci/ociLauncher.js';
import { ensureBridgeImage, useEngine, type EngineService } from '../src/test-support/launchers/containerEngine.js';
import { startMediaCalls, type MediaCalls } from '../src/test-support/mediaCall.js';

const image = process.env.PLENUM_TEST_OCI_IMAGE ?? 'plenum-janus:1.1.2';
const bridgeDir = mkdtempSync(path.join(tmpdir(), 'plenum-oci-media-'));

describe('media through a conference bridge in an OCI container (PLENUM_BRIDGE_LAUNCHER=oci), in Chromium', () => {
  let engine: EngineService;
  let calls: MediaCalls;

  beforeAll(async () => {
    engine = await useEngine(process.env.PLENUM_TEST_OCI_SOCKET);
    await ensureBridgeImage(engine.socketPath, image);
    calls = await startMediaCalls({
      appOptions: {
        env: { PLENUM_BRIDGE_LAUNCHER: 'oci', PLENUM_BRIDGE_OCI_SOCKET: engine.socketPath, PLENUM_BRIDGE_OCI_IMAGE: image, PLENUM_BRIDGE_DIR: bridgeDir, PLENUM_BRIDGE_GRACE: '1' },
      },
    });
  }, 600_000);

  afterAll(async () => {
    await calls.close();
    await engine.stop();
    rmSync(bridgeDir, { recursive: true, force: true });
  });

  it('two participants decode each other’s video and hear each other; the container goes when they leave', async () => {
    // Offer the bridge only the browser's candidates on the bridges' range (the container's gateway).
    const call = await calls.call({ name: 'In a container', videoCodec: 'vp8', join: { candidateAddressPrefixes: ['198.18.', '198.19.'] } });
    const { bridge } = await calls.t.app.signaling.bridges.get(call.roomId, 'vp8');
    const docker = new Docker({ socketPath: engine.socketPath });
    const filters = JSON.stringify({ label: [`${bridgeLabel}=${bridge.id}`] });
    expect(await docker.listContainers({ filters })).toHaveLength(1);
    expect(call.video.aFromB.codec?.toLowerCase()).toContain('vp8');
    expect(call.video.bFromA.codec?.toLowerCase()).toContain('vp8');

    await call.close();
    await expect.poll(async () => (await docker.listContainers({ all: true, filters })).length, { timeout: 20_000 }).toBe(0);
    await expect.poll(async () => (await docker.listNetworks({ filters })).length, { timeout: 5000 }).toBe(0);
  });
});
