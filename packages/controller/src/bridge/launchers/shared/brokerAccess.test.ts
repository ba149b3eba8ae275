import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { createBridgeAccount, type BridgeBrokerAccount } from './brokerAccess.js';

const amqpUrl = process.env.PLENUM_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Against the machine's RabbitMQ, with `rabbitmqctl` beside it (as root). */
describe('a bridge broker account', () => {
  const accounts: BridgeBrokerAccount[] = [];
  afterAll(async () => {
    for (const account of accounts) await account.remove();
  });

  it('logs in with its password, and a failure names no password', async () => {
    const id = randomBytes(6).toString('hex');
    const account = await createBridgeAccount(id, amqpUrl);
    accounts.push(account);
    // The password (given through stdin) really is the account's.
    const url = new URL(amqpUrl);
    url.username = account.username;
    url.password = account.password;
    const connection = await amqp.connect(url.href);
    await connection.close();
    // Creating it again fails; the error names the step, not the new password.
    const error = await createBridgeAccount(id, amqpUrl).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(/^rabbitmqctl add_user failed/);
    expect(message).not.toMatch(/[A-Za-z0-9_-]{32}/);
  }, 60_000);
});
