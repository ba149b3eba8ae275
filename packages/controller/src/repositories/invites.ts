import type { Invite, InviteCode, RoomId, UserId } from '@plenum/protocol';
import { onlyRow, type Queryable } from '../db/database.js';
import { randomToken } from '../security/randomToken.js';

interface InviteRow {
  code: string;
  room_id: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  max_uses: number | null;
  uses: number;
  revoked_at: Date | null;
}

const columns = 'code, room_id, created_by, created_at, expires_at, max_uses, uses, revoked_at';

const toInvite = (row: InviteRow): Invite => ({
  code: row.code as InviteCode,
  roomId: row.room_id as RoomId,
  createdBy: row.created_by as UserId,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at?.toISOString() ?? null,
  maxUses: row.max_uses,
  uses: row.uses,
});

/** Why an invite cannot be used; each maps to one stable API error code. */
export type InviteProblem = 'invite_not_found' | 'invite_revoked' | 'invite_expired' | 'invite_exhausted';

export type InviteCheck = { ok: true; invite: Invite } | { ok: false; problem: InviteProblem };

function check(row: InviteRow | undefined, now: Date): InviteCheck {
  if (!row) return { ok: false, problem: 'invite_not_found' };
  if (row.revoked_at) return { ok: false, problem: 'invite_revoked' };
  if (row.expires_at && row.expires_at <= now) return { ok: false, problem: 'invite_expired' };
  if (row.max_uses !== null && row.uses >= row.max_uses) return { ok: false, problem: 'invite_exhausted' };
  return { ok: true, invite: toInvite(row) };
}

export class InviteRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async create(input: { roomId: RoomId; createdBy: UserId; expiresAt: Date | null; maxUses: number | null }): Promise<Invite> {
    const rows = await this.#db.query<InviteRow>(
      `INSERT INTO invites (code, room_id, created_by, expires_at, max_uses)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${columns}`,
      [randomToken(16), input.roomId, input.createdBy, input.expiresAt, input.maxUses],
    );
    return toInvite(onlyRow(rows));
  }

  /** The room's invites that have not been revoked, oldest first. */
  async listForRoom(roomId: RoomId): Promise<Invite[]> {
    const rows = await this.#db.query<InviteRow>(
      `SELECT ${columns} FROM invites WHERE room_id = $1 AND revoked_at IS NULL ORDER BY created_at, code`,
      [roomId],
    );
    return rows.map(toInvite);
  }

  /** Returns false when the room has no such (unrevoked) invite. */
  async revoke(roomId: RoomId, code: InviteCode): Promise<boolean> {
    const rows = await this.#db.query<{ code: string }>(
      'UPDATE invites SET revoked_at = now() WHERE room_id = $1 AND code = $2 AND revoked_at IS NULL RETURNING code',
      [roomId, code],
    );
    return rows.length > 0;
  }

  /** Checks an invite without using it up. */
  async verify(code: InviteCode, now = new Date()): Promise<InviteCheck> {
    const rows = await this.#db.query<InviteRow>(`SELECT ${columns} FROM invites WHERE code = $1`, [code]);
    return check(rows[0], now);
  }

  /**
   * Uses the invite once, atomically: two guests racing for the last use cannot both get it.
   */
  async consume(code: InviteCode, now = new Date()): Promise<InviteCheck> {
    const rows = await this.#db.query<InviteRow>(
      `UPDATE invites SET uses = uses + 1
       WHERE code = $1 AND revoked_at IS NULL
         AND (expires_at IS NULL OR expires_at > $2)
         AND (max_uses IS NULL OR uses < max_uses)
       RETURNING ${columns}`,
      [code, now],
    );
    if (rows[0]) return { ok: true, invite: toInvite(rows[0]) };
    const reason = await this.verify(code, now);
    // Valid again a moment later means another request took the last use in between.
    return reason.ok ? { ok: false, problem: 'invite_exhausted' } : reason;
  }
}
