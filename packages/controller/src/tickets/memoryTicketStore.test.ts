import { describe, expect, it } from 'vitest';
import { Ticket, type RoomId } from '@plenum/protocol';
import { randomToken } from '../security/randomToken.js';
import { MemoryTicketStore } from './memoryTicketStore.js';
import type { TicketGrant } from './ticketStore.js';

const grant: TicketGrant = { kind: 'guest', roomId: '6f1c1f3e-6f0e-4b8e-9d43-0d6f3f4b2a11' as RoomId, displayName: 'Guest' };
const newTicket = () => Ticket.parse(randomToken(32));

describe('MemoryTicketStore', () => {
  it('redeems a ticket exactly once', async () => {
    const store = new MemoryTicketStore();
    const ticket = newTicket();
    await store.issue(ticket, grant, 30);
    expect(await store.redeem(ticket)).toEqual(grant);
    expect(await store.redeem(ticket)).toBeUndefined();
    await store.close();
  });

  it('refuses a ticket after its lifetime', async () => {
    let now = 1_000_000;
    const store = new MemoryTicketStore({ now: () => now });
    const ticket = newTicket();
    await store.issue(ticket, grant, 30);
    now += 30_000;
    expect(await store.redeem(ticket)).toBeUndefined();
    await store.close();
  });

  it('accepts a ticket just before its lifetime ends', async () => {
    let now = 1_000_000;
    const store = new MemoryTicketStore({ now: () => now });
    const ticket = newTicket();
    await store.issue(ticket, grant, 30);
    now += 29_999;
    expect(await store.redeem(ticket)).toEqual(grant);
    await store.close();
  });

  it('knows nothing of a ticket it never issued', async () => {
    const store = new MemoryTicketStore();
    expect(await store.redeem(newTicket())).toBeUndefined();
    await store.close();
  });
});
