import { execFile } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import amqp from 'amqplib';
import { randomToken } from '../../../security/randomToken.js';


/**
 * A bridge's own RabbitMQ account: allowed to declare and read only its request queue, to
 * declare its answer queue and publish to it through the default exchange, nothing else.
 * Made and removed with `rabbitmqctl` (this controller must run beside RabbitMQ as root).
 */
export interface BridgeBrokerAccount {
  username: string;
  password: string;
  vhost: string;
  toJanus: string;
  fromJanus: string;
  /** Deletes the account and both queues. Idempotent. */
  remove(): Promise<void>;
}

/**
 * Runs `rabbitmqctl`. A password goes through stdin, never the command line (which other local
 * users can read), and errors name only the subcommand, never the arguments.
 */
function ctl(...args: string[]): Promise<void> {
  return rabbitmqctl(args);
}

function rabbitmqctl(args: string[], stdin?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('rabbitmqctl', ['-q', ...args], { timeout: 15_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const detail = stderr.trim().split('\n')[0]?.slice(0, 200) ?? '';
      reject(new Error(`rabbitmqctl ${args[0] ?? ''} failed (exit ${String(error.code ?? error.signal ?? '?')})${detail ? `: ${detail}` : ''}`));
    });
    child.stdin?.end(stdin ?? '');
  });
}

/** The names of a bridge's RabbitMQ account and queues. */
export function bridgeAccountNames(bridgeId: string): { username: string; toJanus: string; fromJanus: string } {
  const username = `plenum-bridge-${bridgeId}`;
  return { username, toJanus: `${username}-to`, fromJanus: `${username}-from` };
}

/** The virtual host an AMQP URL names (`/` when it names none). */
export function amqpVhost(amqpUrl: string): string {
  return decodeURIComponent(new URL(amqpUrl).pathname.slice(1)) || '/';
}

/**
 * Deletes a bridge's account and queues with `rabbitmqctl`, without an AMQP connection: for
 * bridges whose owner died (see `sweepStaleBridges`). What does not exist is skipped.
 */
export async function deleteBridgeAccount(bridgeId: string, vhost: string): Promise<void> {
  const { username, toJanus, fromJanus } = bridgeAccountNames(bridgeId);
  await ctl('delete_user', username).catch(() => undefined);
  for (const queue of [toJanus, fromJanus]) await ctl('delete_queue', '-p', vhost, queue).catch(() => undefined);
}

export async function createBridgeAccount(bridgeId: string, amqpUrl: string): Promise<BridgeBrokerAccount> {
  const { username, toJanus, fromJanus } = bridgeAccountNames(bridgeId);
  const password = randomToken(24);
  const vhost = amqpVhost(amqpUrl);
  const escape = (name: string) => name.replace(/[.-]/g, (c) => `\\${c}`);
  await rabbitmqctl(['add_user', username], password);
  try {
    await ctl(
      'set_permissions', '-p', vhost, username,
      `^(${escape(toJanus)}|${escape(fromJanus)})$`,
      `^(${escape(fromJanus)}|amq\\.default)$`,
      `^${escape(toJanus)}$`,
    );
  } catch (error) {
    await ctl('delete_user', username).catch(() => undefined);
    throw error;
  }
  let removing: Promise<void> | undefined;
  return {
    username,
    password,
    vhost,
    toJanus,
    fromJanus,
    remove() {
      removing ??= (async () => {
        await ctl('delete_user', username).catch(() => undefined);
        const connection = await amqp.connect(amqpUrl).catch(() => undefined);
        if (!connection) return;
        try {
          const channel = await connection.createChannel();
          await channel.deleteQueue(toJanus).catch(() => undefined);
          const again = await connection.createChannel().catch(() => undefined);
          await again?.deleteQueue(fromJanus).catch(() => undefined);
        } finally {
          await connection.close().catch(() => undefined);
        }
      })();
      return removing;
    },
  };
}

/**
 * Lets a bridge in its namespace reach RabbitMQ, which listens on the host's loopback: a TCP
 * relay on the host side of the bridge's veth, for that bridge only.
 */
export async function startBrokerRelay(listenAddress: string, amqpUrl: string): Promise<{ port: number; close(): Promise<void> }> {
  const target = new URL(amqpUrl);
  const targetPort = Number(target.port || (target.protocol === 'amqps:' ? 5671 : 5672));
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: target.hostname, port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, listenAddress, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Resolves once something consumes `queue` (Janus's rabbitmq transport is up). */
export async function waitForConsumer(amqpUrl: string, queue: string, timeoutMs: number, exited: () => boolean): Promise<void> {
  const connection = await amqp.connect(amqpUrl);
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exited()) throw new Error('janus exited while starting');
      // A missing queue closes the channel: use a fresh one per check.
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      const consumers = await channel.checkQueue(queue).then(
        (q) => q.consumerCount,
        () => 0,
      );
      await channel.close().catch(() => undefined);
      if (consumers > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    throw new Error(`janus did not consume ${queue} within ${timeoutMs} ms`);
  } finally {
    await connection.close().catch(() => undefined);
  }
}
