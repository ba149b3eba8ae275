import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../test-support/freePort.js';
import { addTestAddress, type TestAddress } from '../test-support/testAddress.js';
import { createTurnService } from './createTurnService.js';
import { EmbeddedTurnServer } from './embeddedTurnServer.js';
import { ExternalTurnService } from './externalTurnService.js';

const address = '203.0.113.79';
const log = pino({ level: 'silent' });
let testAddress: TestAddress | undefined;
let parent = '';

beforeAll(async () => {
  testAddress = await addTestAddress('pltturn2', address);
  parent = mkdtempSync(path.join(tmpdir(), 'plenum-turn-factory-'));
});
afterAll(async () => {
  await testAddress?.remove();
  if (parent) rmSync(parent, { recursive: true, force: true });
});

describe('createTurnService()', () => {
  it('gives nothing for off', async () => {
    expect(await createTurnService({ mode: 'off' }, { publicAddress: address, dir: path.join(parent, 'off'), log })).toBeUndefined();
  });

  it('gives an external service with the configured URLs', async () => {
    const service = await createTurnService({ mode: 'external', urls: ['turn:turn.example.org'], secret: 'sixteen-chars-at-least' }, { publicAddress: undefined, dir: path.join(parent, 'external'), log });
    expect(service).toBeInstanceOf(ExternalTurnService);
    expect(service?.iceServers('p', Date.now())[0]?.urls).toEqual(['turn:turn.example.org']);
    await service?.close();
  });

  it('starts coturn on the public address with the configured ports for embedded', async () => {
    const [port, tlsPort] = [await freePort(), await freePort()];
    const service = await createTurnService(
      { mode: 'embedded', port, tlsPort, relayPorts: [62_400, 62_499], tlsCert: undefined, tlsKey: undefined },
      { publicAddress: address, dir: path.join(parent, 'embedded'), log },
    );
    try {
      expect(service).toBeInstanceOf(EmbeddedTurnServer);
      expect(service?.iceServers('p', Date.now())[0]?.urls).toEqual([`turn:${address}:${port}?transport=udp`, `turn:${address}:${port}?transport=tcp`, `turns:${address}:${tlsPort}?transport=tcp`]);
      expect(await service?.problem()).toBeUndefined();
    } finally {
      await service?.close();
    }
  });

  it('refuses embedded without a public address', async () => {
    const config = { mode: 'embedded' as const, port: 3478, tlsPort: 5349, relayPorts: [61_000, 65_535] as [number, number], tlsCert: undefined, tlsKey: undefined };
    await expect(createTurnService(config, { publicAddress: undefined, dir: path.join(parent, 'none'), log })).rejects.toMatchObject({ code: 'config' });
  });
});
