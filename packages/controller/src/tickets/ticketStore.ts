import type { RoomId, Ticket, UserId } from '@plenum/protocol';

/** Who a signaling ticket admits, to which room, under which name. */
export type TicketGrant =
  | {
      kind: 'user';
      userId: UserId;
      /** The OIDC identity, so that a refreshed token can be checked against it. */
      issuer: string;
      subject: string;
      roomId: RoomId;
      displayName: string;
      /** When the access token presented at `/start` expires; the socket re-checks it. */
      tokenExpiresAt: string;
    }
  | {
      kind: 'guest';
      /** Stable for the guest token's chain of refreshes. */
      guestId: string;
      roomId: RoomId;
      displayName: string;
      /** When the guest token handed out with the ticket expires. */
      tokenExpiresAt: string;
    };

/**
 * Single-use, short-lived signaling tickets, kept in the volatile store so that any
 * controller can redeem them.
 */
export interface TicketStore {
  /** Stores the grant under the ticket for `ttlSeconds`. */
  issue(ticket: Ticket, grant: TicketGrant, ttlSeconds: number): Promise<void>;
  /** Returns the grant and deletes it, atomically; `undefined` if unknown, used or expired. */
  redeem(ticket: Ticket): Promise<TicketGrant | undefined>;
  close(): Promise<void>;
}
