import type { Ticket } from '@plenum/protocol';
import { z } from 'zod';
import { sha256 } from '../security/randomToken.js';
import { keys } from '../state/keys.js';
import type { VolatileStore } from '../state/volatileStore.js';
import type { TicketGrant, TicketStore } from './ticketStore.js';

const Grant = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('user'),
    userId: z.string(),
    issuer: z.string(),
    subject: z.string(),
    roomId: z.string(),
    displayName: z.string(),
    tokenExpiresAt: z.string(),
  }),
  z.object({
    kind: z.literal('guest'),
    guestId: z.string(),
    roomId: z.string(),
    displayName: z.string(),
    tokenExpiresAt: z.string(),
  }),
]);

/**
 * Tickets in the volatile store, so that any controller can redeem a ticket another one issued.
 * Stored under the ticket's hash; redeemed with an atomic get-and-delete.
 */
export class StoreTicketStore implements TicketStore {
  readonly #store: VolatileStore;

  constructor(store: VolatileStore) {
    this.#store = store;
  }

  async issue(ticket: Ticket, grant: TicketGrant, ttlSeconds: number): Promise<void> {
    if (ttlSeconds <= 0) return;
    await this.#store.set(keys.ticket(sha256(ticket)), JSON.stringify(grant), { ttlMs: ttlSeconds * 1000 });
  }

  async redeem(ticket: Ticket): Promise<TicketGrant | undefined> {
    const value = await this.#store.getDelete(keys.ticket(sha256(ticket)));
    if (value === undefined) return undefined;
    const parsed = Grant.safeParse(JSON.parse(value));
    return parsed.success ? (parsed.data as TicketGrant) : undefined;
  }

  async close(): Promise<void> {
    // The store belongs to the caller.
  }
}
