import { z } from 'zod';
import { randomToken, sha256 } from '../security/randomToken.js';
import type { VolatileStore } from '../state/volatileStore.js';
import { keys } from '../state/keys.js';

const GuestIdentity = z.object({ guestId: z.string(), roomId: z.string(), inviteCode: z.string(), expiresAt: z.string() });
export type GuestIdentity = z.infer<typeof GuestIdentity>;

/**
 * Short-lived tokens the controller issues to guests, who have no identity provider. They play
 * the part of the access token on the signaling socket: checked on every message, refreshed
 * before expiry, and a refresh re-checks the invite, so revoking it ends the guest's session.
 */
export class GuestTokens {
  readonly #store: VolatileStore;
  readonly #ttlSeconds: number;

  constructor(store: VolatileStore, ttlSeconds: number) {
    this.#store = store;
    this.#ttlSeconds = ttlSeconds;
  }

  async issue(identity: Omit<GuestIdentity, 'expiresAt'>): Promise<{ token: string; expiresAt: string }> {
    const token = randomToken(32);
    const expiresAt = new Date(Date.now() + this.#ttlSeconds * 1000).toISOString();
    await this.#store.set(keys.guestToken(sha256(token)), JSON.stringify({ ...identity, expiresAt }), {
      ttlMs: this.#ttlSeconds * 1000,
    });
    return { token, expiresAt };
  }

  async verify(token: string): Promise<GuestIdentity | undefined> {
    const value = await this.#store.get(keys.guestToken(sha256(token)));
    if (value === undefined) return undefined;
    const parsed = GuestIdentity.safeParse(JSON.parse(value));
    if (!parsed.success || Date.parse(parsed.data.expiresAt) <= Date.now()) return undefined;
    return parsed.data;
  }
}
