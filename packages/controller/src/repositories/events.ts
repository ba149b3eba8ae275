import { randomUUID } from 'node:crypto';
import type { Event, EventId, RoomId, UserId } from '@plenum/protocol';
import type { Queryable } from '../db/database.js';

interface EventRow {
  id: string;
  room_id: string;
  created_by: string;
  title: string;
  description: string;
  starts_at: Date;
  ends_at: Date;
  time_zone: string;
  recurrence_rule: string | null;
  created_at: Date;
  updated_at: Date;
  invitees: string[] | null;
}

const select = `
  SELECT e.id, e.room_id, e.created_by, e.title, e.description, e.starts_at, e.ends_at, e.time_zone,
         e.recurrence_rule, e.created_at, e.updated_at,
         ARRAY(SELECT i.email FROM event_invitees i WHERE i.event_id = e.id ORDER BY i.email) AS invitees
  FROM events e`;

const toEvent = (row: EventRow): Event => ({
  id: row.id as EventId,
  roomId: row.room_id as RoomId,
  createdBy: row.created_by as UserId,
  title: row.title,
  description: row.description,
  startsAt: row.starts_at.toISOString(),
  endsAt: row.ends_at.toISOString(),
  timeZone: row.time_zone,
  recurrenceRule: row.recurrence_rule,
  invitees: (row.invitees ?? []).map((email) => ({ email })),
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

export interface EventFields {
  title: string;
  description: string;
  startsAt: Date;
  endsAt: Date;
  timeZone: string;
  recurrenceRule: string | null;
  /** Lower-cased e-mail addresses. */
  invitees: string[];
}

async function replaceInvitees(db: Queryable, eventId: string, emails: readonly string[]): Promise<void> {
  await db.query('DELETE FROM event_invitees WHERE event_id = $1', [eventId]);
  if (emails.length === 0) return;
  await db.query(
    'INSERT INTO event_invitees (event_id, email) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING',
    [eventId, [...new Set(emails.map((email) => email.toLowerCase()))]],
  );
}

/** Events. Methods take a `Queryable` so callers can group them in one transaction. */
export class EventRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async create(input: EventFields & { roomId: RoomId; createdBy: UserId }, db: Queryable = this.#db): Promise<Event> {
    const id = randomUUID();
    await db.query(
      `INSERT INTO events (id, room_id, created_by, title, description, starts_at, ends_at, time_zone, recurrence_rule)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [id, input.roomId, input.createdBy, input.title, input.description, input.startsAt, input.endsAt, input.timeZone, input.recurrenceRule],
    );
    await replaceInvitees(db, id, input.invitees);
    const event = await this.get(id as EventId, db);
    if (!event) throw new Error('event vanished inside its own transaction');
    return event;
  }

  async get(id: EventId, db: Queryable = this.#db): Promise<Event | undefined> {
    const rows = await db.query<EventRow>(`${select} WHERE e.id = $1`, [id]);
    return rows[0] && toEvent(rows[0]);
  }

  /** Events the user created or is invited to (by e-mail address), earliest first. */
  async listVisibleTo(userId: UserId, email: string | null): Promise<Event[]> {
    const rows = await this.#db.query<EventRow>(
      `${select}
       WHERE e.created_by = $1
          OR ($2::text IS NOT NULL AND EXISTS (SELECT 1 FROM event_invitees i WHERE i.event_id = e.id AND i.email = $2))
       ORDER BY e.starts_at, e.id`,
      [userId, email?.toLowerCase() ?? null],
    );
    return rows.map(toEvent);
  }

  async isInvited(id: EventId, email: string | null): Promise<boolean> {
    if (!email) return false;
    const rows = await this.#db.query<{ one: number }>(
      'SELECT 1 AS one FROM event_invitees WHERE event_id = $1 AND email = $2',
      [id, email.toLowerCase()],
    );
    return rows.length > 0;
  }

  async update(id: EventId, fields: EventFields, db: Queryable = this.#db): Promise<Event | undefined> {
    const rows = await db.query<{ id: string }>(
      `UPDATE events SET title = $2, description = $3, starts_at = $4, ends_at = $5, time_zone = $6,
              recurrence_rule = $7, updated_at = now()
       WHERE id = $1 RETURNING id`,
      [id, fields.title, fields.description, fields.startsAt, fields.endsAt, fields.timeZone, fields.recurrenceRule],
    );
    if (rows.length === 0) return undefined;
    await replaceInvitees(db, id, fields.invitees);
    return this.get(id, db);
  }

  async delete(id: EventId): Promise<boolean> {
    const rows = await this.#db.query<{ id: string }>('DELETE FROM events WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }
}
