import type { Ticket } from '@plenum/protocol';
import { sha256 } from '../security/randomToken.js';
import type { TicketGrant, TicketStore } from './ticketStore.js';

/** In-process ticket store: the embedded default for a single controller. */
export class MemoryTicketStore implements TicketStore {
  readonly #tickets = new Map<string, { grant: TicketGrant; expiresAt: number }>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
    // Expired, never-redeemed tickets are dropped so the map cannot grow without bound.
    this.#sweeper = setInterval(() => this.#sweep(), 10_000);
    this.#sweeper.unref();
  }

  async issue(ticket: Ticket, grant: TicketGrant, ttlSeconds: number): Promise<void> {
    this.#tickets.set(sha256(ticket), { grant, expiresAt: this.#now() + ttlSeconds * 1000 });
  }

  async redeem(ticket: Ticket): Promise<TicketGrant | undefined> {
    const key = sha256(ticket);
    const entry = this.#tickets.get(key);
    this.#tickets.delete(key);
    if (!entry || entry.expiresAt <= this.#now()) return undefined;
    return entry.grant;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#tickets.clear();
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#tickets) if (entry.expiresAt <= now) this.#tickets.delete(key);
  }
}
