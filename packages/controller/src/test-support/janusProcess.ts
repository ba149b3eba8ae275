import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect as connectAmqp, type ChannelModel } from 'amqplib';
import { AmqpJanusTransport } from '../bridge/janus/amqpTransport.js';
import type { JanusTransport } from '../bridge/janus/transport.js';
import { WebSocketJanusTransport } from '../bridge/janus/websocketTransport.js';
import { writeJanusConfig, type JanusApiTransport } from '../bridge/launchers/shared/janusConfig.js';
import { freePort } from './freePort.js';

/** The real RabbitMQ the tests use; CI and every dev machine of this project have it. */
export const testAmqpUrl = process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export type JanusTransportKind = 'websocket' | 'rabbitmq';
export const janusTransportKinds: readonly JanusTransportKind[] = ['websocket', 'rabbitmq'];

/** Options of `startJanus`. */
export interface StartJanusOptions {
  transport: JanusTransportKind;
  /** How long Janus may take to be ready, ms. Default 10 000. */
  readyTimeoutMs?: number;
  /** Janus's `session_timeout`, s, overriding the config's 60 (Janus's `-s`). */
  sessionTimeoutS?: number;
}

/** A Janus started for a test. */
export interface TestJanus {
  readonly transport: JanusTransportKind;
  /** `ws://127.0.0.1:<port>`, or the RabbitMQ URL. */
  readonly url: string;
  /** The request and answer queues (RabbitMQ only). */
  readonly queues: { toJanus: string; fromJanus: string } | undefined;
  readonly apiSecret: string;
  readonly process: ChildProcess;
  /** Config and log; removed by `stop()`. */
  readonly dir: string;
  /** A new transport to this Janus. */
  connect(options?: { timeoutMs?: number }): Promise<JanusTransport>;
  /** Janus's log so far. */
  log(): Promise<string>;
  /**
   * Freezes Janus (SIGSTOP), resolving once every thread has stopped: `kill` returns before
   * that, and a thread still running may answer a request sent right after it.
   */
  freeze(): Promise<void>;
  /** Lets a frozen Janus run again (SIGCONT). */
  thaw(): void;
  /** SIGTERM, SIGKILL after 5 s, then the directory and the RabbitMQ queues removed. Idempotent. */
  stop(): Promise<void>;
}

/** Start attempts: a free port can be taken by someone else before Janus binds it. */
const attempts = 3;

/**
 * Starts a Janus with only the videoroom plugin and the given API transport, in a new temp
 * directory, and resolves once its API is ready: the WebSocket port accepts, or Janus
 * consumes its request queue. Media use 127.0.0.1, which Janus will not gather candidates on:
 * good for API tests only.
 */
export async function startJanus(options: StartJanusOptions): Promise<TestJanus> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      return await startOnce(options);
    } catch (error) {
      lastError = error;
      if (!(error instanceof JanusExited)) throw error;
    }
  }
  throw lastError;
}

/** Janus exited before it was ready. */
class JanusExited extends Error {
  override readonly name = 'JanusExited';
}

async function startOnce({ transport, readyTimeoutMs = 10_000, sessionTimeoutS }: StartJanusOptions): Promise<TestJanus> {
  const dir = await mkdtemp(path.join(tmpdir(), 'plenum-janus-'));
  const apiSecret = randomBytes(16).toString('hex');
  const logFile = path.join(dir, 'janus.log');
  let url: string;
  let queues: TestJanus['queues'];
  let apiTransport: JanusApiTransport;
  if (transport === 'websocket') {
    const port = await freePort();
    url = `ws://127.0.0.1:${port}`;
    queues = undefined;
    apiTransport = { kind: 'websocket', address: '127.0.0.1', port };
  } else {
    const name = `plenum-test-${randomBytes(6).toString('hex')}`;
    url = testAmqpUrl;
    queues = { toJanus: `${name}-to`, fromJanus: `${name}-from` };
    const amqp = new URL(testAmqpUrl);
    apiTransport = {
      kind: 'rabbitmq',
      host: amqp.hostname,
      port: Number(amqp.port || 5672),
      username: decodeURIComponent(amqp.username || 'guest'),
      password: decodeURIComponent(amqp.password || 'guest'),
      vhost: amqp.pathname.length > 1 ? decodeURIComponent(amqp.pathname.slice(1)) : '/',
      ...queues,
    };
  }
  // Any 2 ports: no media flows in API tests.
  const rtpBase = 40_000 + 2 * Math.floor(Math.random() * 10_000);
  const config = await writeJanusConfig({ dir, mediaAddress: '127.0.0.1', rtpPorts: [rtpBase, rtpBase + 1], apiSecret, transport: apiTransport });
  const args = ['-F', dir, '-C', config, '-o', '-N', '-L', logFile];
  if (sessionTimeoutS !== undefined) args.push('-s', String(sessionTimeoutS));
  const child = spawn('janus', args, { stdio: 'ignore' });
  const exited = once(child, 'exit').then(() => undefined);
  const log = (): Promise<string> => readFile(logFile, 'utf8').catch(() => '');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        // A test may have frozen it with SIGSTOP; a stopped process only handles SIGTERM once continued.
        child.kill('SIGCONT');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      if (queues) await deleteQueues(Object.values(queues));
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    const ready = transport === 'websocket' ? waitForPort(Number(new URL(url).port), readyTimeoutMs) : waitForConsumer(queues?.toJanus ?? '', readyTimeoutMs);
    const result = await Promise.race([ready.then(() => 'ready' as const), exited.then(() => 'exited' as const)]);
    if (result === 'exited') throw new JanusExited(`Janus exited with ${child.exitCode ?? child.signalCode} before it was ready:\n${await log()}`);
  } catch (error) {
    const message = error instanceof JanusExited ? undefined : await log();
    await stop();
    if (message !== undefined) throw new Error(`Janus was not ready:\n${message}`, { cause: error });
    throw error;
  }

  return {
    transport,
    url,
    queues,
    apiSecret,
    process: child,
    dir,
    connect: (connectOptions = {}) =>
      queues ? AmqpJanusTransport.connect(url, { ...queues, ...connectOptions }) : WebSocketJanusTransport.connect(url, connectOptions),
    log,
    freeze: async () => {
      child.kill('SIGSTOP');
      await waitUntilStopped(child.pid ?? 0);
    },
    thaw: () => {
      child.kill('SIGCONT');
    },
    stop,
  };
}

/** Resolves once every thread of `pid` is stopped (state T in /proc). */
async function waitUntilStopped(pid: number): Promise<void> {
  const deadline = Date.now() + 2_000;
  const taskDir = `/proc/${pid}/task`;
  for (;;) {
    const states = await Promise.all((await readdir(taskDir)).map(async (task) => threadState(await readFile(path.join(taskDir, task, 'stat'), 'utf8'))));
    if (states.every((state) => state === 'T')) return;
    if (Date.now() > deadline) throw new Error(`Janus (${pid}) did not stop: thread states ${states.join('')}`);
    await sleep(2);
  }
}

/** The state letter in a /proc stat line, after the parenthesized command name. */
function threadState(stat: string): string {
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/** Resolves once 127.0.0.1:`port` accepts a connection. */
async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await accepts(port))) {
    if (Date.now() > deadline) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
    await sleep(25);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Resolves once Janus consumes `queue`. Each check is on a throwaway channel: checking a
 * missing queue makes RabbitMQ close the channel.
 */
async function waitForConsumer(queue: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const connection = await connectAmqp(testAmqpUrl);
  connection.on('error', () => undefined);
  try {
    while (!(await hasConsumer(connection, queue))) {
      if (Date.now() > deadline) throw new Error(`nothing consumed ${queue} within ${timeoutMs} ms`);
      await sleep(25);
    }
  } finally {
    await connection.close();
  }
}

async function hasConsumer(connection: ChannelModel, queue: string): Promise<boolean> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    const { consumerCount } = await channel.checkQueue(queue);
    await channel.close();
    return consumerCount > 0;
  } catch {
    return false;
  }
}

/**
 * Deletes the bridge's queues, as a bridge's owner has to: Janus declares `from_janus` without
 * auto-delete, so it would outlive the bridge. A client still consuming it sees its consumer
 * cancelled, and so learns that the bridge is gone.
 */
async function deleteQueues(queues: string[]): Promise<void> {
  const connection = await connectAmqp(testAmqpUrl);
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
  } finally {
    await connection.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
