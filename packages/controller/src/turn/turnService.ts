import type { IceServer } from '@plenum/protocol';

/**
 * The TURN relay browsers use when they cannot reach a bridge directly (NAT, firewalls that
 * drop UDP). Implementations: `EmbeddedTurnServer` (coturn as a child process) and
 * `ExternalTurnService` (a TURN server run by someone else that shares our secret).
 */
export interface TurnService {
  readonly kind: 'embedded' | 'external';
  readonly closed: boolean;
  /**
   * The ICE servers for one participant, with TURN REST credentials that stop working at
   * `expiresAtMs`. Throws `TurnError` `closed` after `close()`.
   */
  iceServers(participantId: string, expiresAtMs: number): IceServer[];
  /**
   * Why the relay cannot serve right now (for /readyz), or `undefined` when it can. Rejects
   * with `TurnError` `closed` after `close()`.
   */
  problem(): Promise<string | undefined>;
  /** Stops what the service runs and releases what it holds. Idempotent. */
  close(): Promise<void>;
}
