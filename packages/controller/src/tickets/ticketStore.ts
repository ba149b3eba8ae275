import type { RoomId, Ticket, UserId } from '@plenum/protocol';

/** Who a signaling ticket admits, to which room, under which name. */
export type TicketGrant =
  | {
      kind: 'user';
      userId: UserId;
      roomId: RoomId;
      displayName: string;
      /** When the access token presented at `/start` expires; the socket re-checks it. */
      tokenExpiresAt: string;
    }
  | {
      kind: 'guest';
      roomId: RoomId;
      displayName: string;
    };

/**
 * Single-use, short-lived signaling tickets. The in-process implementation is the embedded
 * default; a Redis one (shared by several controllers) implements the same contract.
 */
export interface TicketStore {
  /** Stores the grant under the ticket for `ttlSeconds`. */
  issue(ticket: Ticket, grant: TicketGrant, ttlSeconds: number): Promise<void>;
  /** Returns the grant and deletes it, atomically; `undefined` if unknown, used or expired. */
  redeem(ticket: Ticket): Promise<TicketGrant | undefined>;
  close(): Promise<void>;
}
