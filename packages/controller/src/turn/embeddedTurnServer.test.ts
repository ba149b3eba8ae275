import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../test-support/freePort.js';
import { addTestAddress, type TestAddress } from '../test-support/testAddress.js';
import { StunAttribute, TurnClient, stunAttribute, stunErrorCode, type StunTransportKind } from '../test-support/turnClient.js';
import { generateSelfSigned } from '../tls/selfSigned.js';
import { EmbeddedTurnServer, type EmbeddedTurnServerOptions } from './embeddedTurnServer.js';
import { turnCredentials } from './turnCredentials.js';
import { TurnError } from './turnError.js';
import { turnServiceContract } from './turnService.contract.js';

/** A TEST-NET-3 address on a veth of this file's own: coturn neither listens on nor relays to loopback. */
const address = '203.0.113.77';
const secret = randomBytes(32).toString('hex');
const logged: string[] = [];
const log = pino({ level: 'debug' }, { write: (line: string) => void logged.push(line) });
let testAddress: TestAddress | undefined;
let parent = '';
let dirs = 0;
/** The directory of the server started last. */
const lastDir = () => path.join(parent, `turn-${dirs}`);

beforeAll(async () => {
  testAddress = await addTestAddress('pltturn0', address);
  parent = mkdtempSync(path.join(tmpdir(), 'plenum-turn-test-'));
});
afterAll(async () => {
  await testAddress?.remove();
  if (parent) rmSync(parent, { recursive: true, force: true });
});

async function startServer(options: Partial<EmbeddedTurnServerOptions> = {}): Promise<EmbeddedTurnServer> {
  dirs += 1;
  return EmbeddedTurnServer.start({
    publicAddress: address,
    dir: path.join(parent, `turn-${dirs}`),
    port: await freePort(),
    tlsPort: await freePort(),
    relayPorts: [62_000, 62_199],
    secret,
    restartDelayMs: 200,
    log,
    ...options,
  });
}

function connect(server: EmbeddedTurnServer, transport: StunTransportKind): Promise<TurnClient> {
  const url = server.urls.find((candidate) => (transport === 'tls' ? candidate.startsWith('turns:') : candidate.endsWith(`transport=${transport}`)));
  const port = Number(/:(\d+)\?/.exec(url ?? '')?.[1]);
  return TurnClient.connect({ transport, host: address, port });
}

const valid = () => {
  const { username, credential } = turnCredentials(secret, 'participant', Date.now() + 600_000);
  return { username, password: credential };
};

turnServiceContract('EmbeddedTurnServer', () => startServer());

describe('EmbeddedTurnServer', () => {
  let server: EmbeddedTurnServer;
  let dir = '';
  beforeAll(async () => {
    server = await startServer();
    dir = lastDir();
  });
  afterAll(async () => {
    await server.close();
  });

  it.each(['udp', 'tcp', 'tls'] as const)('allocates a relay on the public address over %s with valid credentials', async (transport) => {
    const client = await connect(server, transport);
    try {
      const relayed = TurnClient.relayedAddress(await client.allocate(valid()));
      expect(relayed.address).toBe(address);
      expect(relayed.port).toBeGreaterThanOrEqual(62_000);
      expect(relayed.port).toBeLessThanOrEqual(62_199);
    } finally {
      client.close();
    }
  });

  it('answers an Allocate without credentials with 401 and its realm', async () => {
    const client = await connect(server, 'udp');
    try {
      const answer = await client.allocate();
      expect(stunErrorCode(answer)?.code).toBe(401);
      expect(stunAttribute(answer, StunAttribute.realm)?.toString()).toBe('plenum');
    } finally {
      client.close();
    }
  });

  it('refuses a wrong credential with 401', async () => {
    const client = await connect(server, 'udp');
    try {
      const answer = await client.allocate({ username: valid().username, password: turnCredentials('another secret!!', 'participant', Date.now() + 600_000).credential });
      expect(stunErrorCode(answer)?.code).toBe(401);
    } finally {
      client.close();
    }
  });

  it('refuses credentials whose expiry has passed', async () => {
    const client = await connect(server, 'tcp');
    try {
      // coturn's clock ticks in seconds: a minute ago is clearly past.
      const { username, credential } = turnCredentials(secret, 'participant', Date.now() - 60_000);
      expect(stunErrorCode(await client.allocate({ username, password: credential }))?.code).toBe(401);
    } finally {
      client.close();
    }
  });

  it.each(['127.0.0.1', '10.1.2.3', '192.168.1.1', '198.18.0.2', '169.254.169.254', '100.64.0.1'])('refuses to relay to %s (403)', async (peer) => {
    const client = await connect(server, 'udp');
    try {
      TurnClient.relayedAddress(await client.allocate(valid()));
      expect(stunErrorCode(await client.createPermission(peer))?.code).toBe(403);
    } finally {
      client.close();
    }
  });

  it('relays to the media public address', async () => {
    const client = await connect(server, 'udp');
    try {
      TurnClient.relayedAddress(await client.allocate(valid()));
      const answer = await client.createPermission(address);
      expect(stunErrorCode(answer)).toBeUndefined();
      expect(answer.class).toBe('success');
    } finally {
      client.close();
    }
  });

  it('gives browsers turn: URLs for UDP and TCP and a turns: URL on the TLS port of the public address', () => {
    const [ice] = server.iceServers('participant', 2_000_000_000_000);
    const port = Number(/:(\d+)\?/.exec(server.urls[0] ?? '')?.[1]);
    expect(ice?.urls).toEqual([`turn:${address}:${port}?transport=udp`, `turn:${address}:${port}?transport=tcp`, expect.stringMatching(/^turns:203\.0\.113\.77:\d+\?transport=tcp$/)]);
    expect(ice).toMatchObject(turnCredentials(secret, 'participant', 2_000_000_000_000));
  });

  it('keeps its directory private and its secret out of every log line', async () => {
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'turnserver.conf')).mode & 0o777).toBe(0o600);
    expect(logged.some((line) => line.includes('coturn output'))).toBe(true);
    expect(logged.filter((line) => line.includes(secret))).toEqual([]);
  });

  it('restarts coturn killed from outside, reporting the problem meanwhile, and keeps issued credentials valid', async () => {
    const before = server.pid;
    expect(before).toBeDefined();
    process.kill(before ?? 0, 'SIGKILL');
    await vi.waitFor(async () => expect(await server.problem()).toMatch(/TURN server \(coturn\) exited \(signal SIGKILL\); restarting in 1 s/));
    expect(server.status).toBe('restarting');
    await vi.waitFor(async () => expect(await server.problem()).toBeUndefined(), { timeout: 10_000 });
    expect(server.status).toBe('running');
    expect(server.pid).not.toBe(before);
    const client = await connect(server, 'udp');
    try {
      expect(TurnClient.relayedAddress(await client.allocate(valid())).address).toBe(address);
    } finally {
      client.close();
    }
  });
});

describe('EmbeddedTurnServer with a certificate of its own', () => {
  it('names the certificate\'s DNS name in its turns: URL', async () => {
    const tls = await generateSelfSigned({ dir: path.join(parent, 'tls'), names: ['turn.plenum.test', address] });
    const server = await startServer({ tlsCert: tls.certFile, tlsKey: tls.keyFile });
    try {
      expect(server.urls[2]).toMatch(/^turns:turn\.plenum\.test:\d+\?transport=tcp$/);
      const client = await connect(server, 'tls');
      try {
        expect(TurnClient.relayedAddress(await client.allocate(valid())).address).toBe(address);
      } finally {
        client.close();
      }
    } finally {
      await server.close();
    }
  });

  it('close() stops coturn and removes its directory; a second close() does nothing', async () => {
    const server = await startServer();
    const pid = server.pid ?? 0;
    const dir = lastDir();
    expect(existsSync(dir)).toBe(true);
    await server.close();
    expect(existsSync(dir)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(server.status).toBe('closed');
    await server.close();
    expect(() => server.iceServers('p', Date.now())).toThrow(expect.objectContaining({ code: 'closed' }));
  });
});

/** The `TurnError` a start with `options` fails with. */
async function startError(options: Partial<EmbeddedTurnServerOptions>): Promise<TurnError> {
  const error: unknown = await startServer(options).then(
    async (server) => {
      await server.close();
      return new Error('started');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TurnError);
  return error as TurnError;
}

describe('EmbeddedTurnServer.start()', () => {
  it('refuses loopback and addresses of no interface of this machine', async () => {
    expect((await startError({ publicAddress: '127.0.0.1' })).code).toBe('config');
    const notOurs = await startError({ publicAddress: '203.0.113.254' });
    expect(notOurs.code).toBe('config');
    expect(notOurs.message).toMatch(/no network interface of this machine has it/);
  });

  it('refuses a directory with files that are not its own, and leaves them be', async () => {
    const dir = path.join(parent, 'someone-elses');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'keep me');
    const error = await startError({ dir });
    expect(error.code).toBe('config');
    expect(error.message).toMatch(/holds files that are not the TURN server's \(notes\.txt\)/);
    expect(existsSync(path.join(dir, 'notes.txt'))).toBe(true);
  });

  it('clears a directory a killed controller left behind and stops the coturn in it', async () => {
    // Its supervision is in the way here: it would restart what the second one stops.
    const first = await startServer({ restartDelayMs: 60_000 });
    const dir = lastDir();
    const stalePid = first.pid ?? 0;
    // As if the controller died: the coturn and its directory stay.
    const second = await startServer({ dir, port: Number(/:(\d+)\?/.exec(first.urls[0] ?? '')?.[1]) });
    try {
      expect(() => process.kill(stalePid, 0)).toThrow();
      expect(second.pid).not.toBe(stalePid);
      expect(await second.problem()).toBeUndefined();
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('fails with start_failed when something else listens on its port', async () => {
    const port = await freePort();
    const other = createServer().listen(port, address);
    try {
      const error = await startError({ port });
      expect(error.code).toBe('start_failed');
      expect(error.message).toMatch(/something else already listens on 203\.0\.113\.77:\d+/);
    } finally {
      other.close();
    }
  });

  it('fails with coturn\'s last output, secret redacted, and removes its directory when coturn exits while starting', async () => {
    // Stands in for a coturn that prints the secret from its config and gives up.
    const fake = path.join(parent, 'fake-turnserver');
    writeFileSync(fake, '#!/bin/sh\ngrep secret "$2"\nexit 3\n', { mode: 0o755 });
    const { code, message } = await startError({ command: fake });
    expect(code).toBe('start_failed');
    expect(message).toMatch(/exited while starting \(code 3\)/);
    expect(message).toContain('static-auth-secret=***');
    expect(message).not.toContain(secret);
    expect(existsSync(lastDir())).toBe(false);
    expect(logged.filter((line) => line.includes(secret))).toEqual([]);
  });

  it('fails with start_timeout, naming what coturn said, when it does not accept connections in time', async () => {
    // Stands in for a coturn that hangs before it listens.
    const fake = path.join(parent, 'hanging-turnserver');
    writeFileSync(fake, '#!/bin/sh\necho starting up\nexec sleep 30\n', { mode: 0o755 });
    const { code, message } = await startError({ command: fake, readyTimeoutMs: 300 });
    expect(code).toBe('start_timeout');
    expect(message).toMatch(/did not accept TCP connections on 203\.0\.113\.77:\d+ within 300 ms; its last output:\n {2}starting up/);
    expect(existsSync(lastDir())).toBe(false);
  });
});
