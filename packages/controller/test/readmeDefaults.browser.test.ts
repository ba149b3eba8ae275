import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs } from '../src/test-support/browser.js';
import { assertWebClientBuilt, joinFromLobby, openParticipant, signIn, smallWindow, waitForMediaFrom } from '../src/test-support/webClient.js';

const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** What `npm start` uses when nothing is set: these are not overridden here. */
const runDir = '/run/plenum';
const defaultUrl = 'http://localhost:8080';
const defaultPassword = 'plenum';

/** The machine the README's user has: one non-loopback address, the default route on it. */
const serverAddress = '198.51.100.200';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'ignore', timeout: 10_000 });
}

/**
 * The README's promise, with nothing overridden: `npm start`'s controller with no `PLENUM_*`
 * setting at all (default port, directories, launcher, media address, TURN, dev password),
 * on a clean `/run/plenum`, and two browsers on that machine in a meeting with media. The
 * "machine" is a network namespace this test makes, so that the address the controller finds
 * for media is one of the test's own.
 */
describe('npm start on its defaults', () => {
  const namespace = `plsrv-${process.pid % 100_000}`;
  let work: string;
  let controller: ChildProcess | undefined;
  let output = '';
  let browser: Browser | undefined;

  beforeAll(async () => {
    assertWebClientBuilt();
    if (!existsSync(mainJs)) throw new Error(`the controller is not built (${mainJs}); run \`npm run build\` first`);
    // A clean /run/plenum, as after a reboot; left alone if another controller's bridges live there.
    const owners = path.join(runDir, 'bridge-owners');
    if (!existsSync(owners) || readdirSync(owners).length === 0) rmSync(runDir, { recursive: true, force: true });
    work = mkdtempSync(path.join(tmpdir(), 'plenum-defaults-'));
    ip('netns', 'add', namespace);
    ip('netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up');
    // This kernel has no dummy interfaces: a veth pair with both ends inside stands for the NIC.
    ip('netns', 'exec', namespace, 'ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0peer');
    ip('netns', 'exec', namespace, 'ip', 'addr', 'add', `${serverAddress}/24`, 'dev', 'eth0');
    ip('netns', 'exec', namespace, 'ip', 'link', 'set', 'eth0peer', 'up');
    ip('netns', 'exec', namespace, 'ip', 'link', 'set', 'eth0', 'up');
    ip('netns', 'exec', namespace, 'ip', 'route', 'add', 'default', 'dev', 'eth0');
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PLENUM_')));
    // cwd: a fresh directory, so the default `./data` starts empty as on a new checkout.
    controller = spawn('ip', ['netns', 'exec', namespace, process.execPath, mainJs], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    controller.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    controller.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 60_000;
    while (!output.includes('Plenum is running')) {
      if (Date.now() > deadline || controller.exitCode !== null) throw new Error(`the controller did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const script = path.join(work, 'chromium');
    writeFileSync(script, `#!/bin/sh\nexec ip netns exec ${namespace} /usr/bin/chromium "$@"\n`);
    chmodSync(script, 0o755);
    browser = await chromium.launch({ executablePath: script, headless: true, args: [...chromiumArgs, '--autoplay-policy=no-user-gesture-required'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (controller && controller.exitCode === null) {
      controller.kill('SIGTERM');
      await new Promise((resolve) => controller?.once('exit', resolve));
    }
    try {
      ip('netns', 'del', namespace);
    } catch {
      // Not made.
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('gives two browsers on the machine a meeting with media, and tidies up at the end', async () => {
    if (!browser) throw new Error('no browser');
    expect(output).toContain(`browsers send media to ${serverAddress} (detected`);
    const alice = await openParticipant(browser, smallWindow);
    const bob = await openParticipant(browser, smallWindow);
    await signIn(alice.page, defaultUrl, 'alice', '/', defaultPassword);
    await alice.page.getByLabel('Room name').fill('Defaults');
    await alice.page.getByRole('button', { name: 'Create room' }).click();
    const room = alice.page.locator('li.room-item', { hasText: 'Defaults' });
    const roomId = await room.getAttribute('data-room');
    await room.getByRole('button', { name: 'Enter' }).click();
    await joinFromLobby(alice.page);
    await signIn(bob.page, defaultUrl, 'bob', `/room/${roomId ?? ''}`, defaultPassword);
    await joinFromLobby(bob.page);
    await waitForMediaFrom(alice.page, 1, 60_000).catch((error: unknown) => {
      // What the controller said is what a user would look at first.
      throw new Error(`${String(error)}\ncontroller output (end):\n${output.slice(-4000)}`);
    });
    await waitForMediaFrom(bob.page, 1, 60_000);
    // Bridges run as other users: every directory above theirs must let them pass.
    expect(statSync(runDir).mode & 0o001).toBe(0o001);
    expect([...alice.problems, ...bob.problems]).toEqual([]);
    await Promise.all([alice.context.close(), bob.context.close()]);

    // Stopping the controller stops its bridges and wipes their directories.
    controller?.kill('SIGTERM');
    await new Promise((resolve) => controller?.once('exit', resolve));
    expect(readdirSync(path.join(runDir, 'bridges'))).toEqual([]);
  }, 180_000);
});
