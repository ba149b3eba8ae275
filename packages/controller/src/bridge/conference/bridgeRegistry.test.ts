import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { BridgeRegistry } from './bridgeRegistry.js';
import { SandboxLauncher } from '../launchers/sandbox/sandboxLauncher.js';

const baseDir = mkdtempSync(path.join(tmpdir(), 'plenum-registry-'));
afterAll(() => rmSync(baseDir, { recursive: true, force: true }));

describe('BridgeRegistry', () => {
  it('serves a conference from the warm pool, refills it, and never reuses a pooled bridge', async () => {
    const launcher = new SandboxLauncher({ baseDir });
    const registry = new BridgeRegistry({ launcher, poolSize: 1, graceMs: 60_000, hasParticipants: async () => true, log: pino({ level: 'silent' }) });
    registry.start();
    await expect.poll(() => registry.pooled, { timeout: 10_000 }).toBe(1);
    const [warm] = registry.pooledIds;

    const first = await registry.get('room-a', 'vp8');
    expect(first.bridge.id).toBe(warm);
    // The pool is refilled with a new bridge at once.
    await expect.poll(() => registry.pooledIds, { timeout: 10_000 }).toEqual([expect.not.stringMatching(warm ?? '')]);
    await registry.stop('room-a');
    expect(first.closed).toBe(true);
    const refill = registry.pooledIds[0];
    const second = await registry.get('room-b', 'vp8');
    expect(second.bridge.id).not.toBe(first.bridge.id);
    expect(second.bridge.id).toBe(refill);
    expect(second.room).toBe('room-b');

    await registry.close();
    await launcher.close();
    expect(registry.pooled).toBe(0);
  });

  it('shares one start between concurrent callers of the same conference', async () => {
    const launcher = new SandboxLauncher({ baseDir });
    const registry = new BridgeRegistry({ launcher, graceMs: 60_000, hasParticipants: async () => true, log: pino({ level: 'silent' }) });
    const [a, b] = await Promise.all([registry.get('room', 'vp9'), registry.get('room', 'vp9')]);
    expect(a).toBe(b);
    expect(registry.size).toBe(1);
    await registry.close();
  });

  it('stops a conference bridge once the conference has been empty for the grace period', async () => {
    const launcher = new SandboxLauncher({ baseDir });
    let busy = true;
    const registry = new BridgeRegistry({ launcher, graceMs: 400, hasParticipants: async () => busy, log: pino({ level: 'silent' }) });
    const bridge = await registry.get('room', 'av1');
    busy = false;
    await expect.poll(() => bridge.closed, { timeout: 5000 }).toBe(true);
    expect(registry.size).toBe(0);
    await registry.close();
  });
});
