import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepStaleBridges } from './ownerRecords.js';

// The sweep of real bridges of killed owners is part of the launcher contract (launcher.contract.ts).
const root = mkdtempSync(path.join(tmpdir(), 'plenum-sweep-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('owner records', () => {
  it('trusts no unreadable or misnamed record, removes only a bridge\'s own directory, and finds nothing where nothing was recorded', async () => {
    const dir = path.join(root, 'odd-owners');
    expect(await sweepStaleBridges(dir)).toEqual({ removed: [], alive: [], failed: [] });
    rmSync(dir, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', dir]);
    // Half written (its owner killed mid-write) and misnamed: neither is trusted.
    writeFileSync(path.join(dir, 'aaaaaaaaaa.json'), '{"id": "aaaaaaaaaa", "pid"');
    writeFileSync(
      path.join(dir, 'bbbbbbbbbb.json'),
      JSON.stringify({ id: 'cccccccccc', pid: 1, startTime: '1', dir: '/', namespace: 'plenum-cccccccccc', hostInterface: 'plh-cccccccccc', brokerVhost: null }),
    );
    // A dead owner's record naming a directory that is not the bridge's own: the record goes, the directory stays.
    const keep = path.join(root, 'keep-me');
    execFileSync('mkdir', ['-p', keep]);
    writeFileSync(
      path.join(dir, 'dddddddddd.json'),
      JSON.stringify({ id: 'dddddddddd', pid: 2 ** 22 + 1, startTime: '1', dir: keep, namespace: 'plenum-dddddddddd', hostInterface: 'plh-dddddddddd', brokerVhost: null }),
    );
    expect(await sweepStaleBridges(dir)).toEqual({ removed: ['dddddddddd'], alive: [], failed: [] });
    expect(readdirSync(dir).sort()).toEqual(['aaaaaaaaaa.json', 'bbbbbbbbbb.json']);
    expect(existsSync(keep)).toBe(true);
  });
});
