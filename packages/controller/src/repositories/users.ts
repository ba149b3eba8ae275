import { randomUUID } from 'node:crypto';
import type { User, UserId } from '@plenum/protocol';
import { onlyRow, type Queryable } from '../db/database.js';

interface UserRow {
  id: string;
  display_name: string;
  email: string | null;
  created_at: Date;
}

const toUser = (row: UserRow): User => ({
  id: row.id as UserId,
  displayName: row.display_name,
  email: row.email,
  createdAt: row.created_at.toISOString(),
});

/** What an identity provider tells us about a user. */
export interface IdentityClaims {
  issuer: string;
  subject: string;
  /** Used as display name when the user is first seen. */
  name: string;
  email: string | null;
}

export class UserRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  /**
   * Creates the user on first sight; later sights refresh the e-mail address from the provider
   * but keep the display name, which the user may have changed.
   */
  async upsertFromClaims(claims: IdentityClaims): Promise<User> {
    const rows = await this.#db.query<UserRow>(
      `INSERT INTO users (id, issuer, subject, display_name, email)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (issuer, subject) DO UPDATE
         SET email = EXCLUDED.email,
             updated_at = CASE WHEN users.email IS DISTINCT FROM EXCLUDED.email THEN now() ELSE users.updated_at END
       RETURNING id, display_name, email, created_at`,
      [randomUUID(), claims.issuer, claims.subject, claims.name, claims.email],
    );
    return toUser(onlyRow(rows));
  }

  async get(id: UserId): Promise<User | undefined> {
    const rows = await this.#db.query<UserRow>('SELECT id, display_name, email, created_at FROM users WHERE id = $1', [id]);
    return rows[0] && toUser(rows[0]);
  }

  async setDisplayName(id: UserId, displayName: string): Promise<User | undefined> {
    const rows = await this.#db.query<UserRow>(
      `UPDATE users SET display_name = $2, updated_at = now() WHERE id = $1
       RETURNING id, display_name, email, created_at`,
      [id, displayName],
    );
    return rows[0] && toUser(rows[0]);
  }
}
