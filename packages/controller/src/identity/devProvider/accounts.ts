import { timingSafeEqual } from 'node:crypto';

/** The dev provider's seeded users. They exist only when no external issuer is configured. */
export interface DevAccount {
  username: string;
  name: string;
  email: string;
}

export const devAccounts: readonly DevAccount[] = [
  { username: 'alice', name: 'Alice Adler', email: 'alice@plenum.test' },
  { username: 'bob', name: 'Bob Berger', email: 'bob@plenum.test' },
  { username: 'carol', name: 'Carol Christ', email: 'carol@plenum.test' },
];

export function findDevAccount(username: string): DevAccount | undefined {
  return devAccounts.find((account) => account.username === username);
}

/** Constant-time password check against the configured dev password. */
export function devPasswordMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
