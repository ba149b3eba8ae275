import { randomUUID } from 'node:crypto';
import type { Room, RoomId, UserId, VideoCodec } from '@plenum/protocol';
import { onlyRow, type Queryable } from '../db/database.js';

interface RoomRow {
  id: string;
  owner_id: string;
  name: string;
  password_hash: string | null;
  waiting_room: boolean;
  video_codec: VideoCodec;
  created_at: Date;
  updated_at: Date;
}

/** A room as stored: the API's `Room` plus the password hash, which never leaves the server. */
export interface StoredRoom extends Room {
  passwordHash: string | null;
}

const columns = 'id, owner_id, name, password_hash, waiting_room, video_codec, created_at, updated_at';

const toRoom = (row: RoomRow): StoredRoom => ({
  id: row.id as RoomId,
  ownerId: row.owner_id as UserId,
  name: row.name,
  hasPassword: row.password_hash !== null,
  passwordHash: row.password_hash,
  waitingRoom: row.waiting_room,
  videoCodec: row.video_codec,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** Strips server-only fields before a room goes out. */
export function publicRoom(room: StoredRoom): Room {
  const { passwordHash: _omitted, ...rest } = room;
  return rest;
}

export interface NewRoom {
  ownerId: UserId;
  name: string;
  passwordHash: string | null;
  waitingRoom: boolean;
  videoCodec: VideoCodec;
}

export interface RoomChanges {
  name?: string;
  /** `null` removes the password. */
  passwordHash?: string | null;
  waitingRoom?: boolean;
  videoCodec?: VideoCodec;
}

export class RoomRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  /** The same repository working inside an open transaction. */
  withinTransaction(tx: Queryable): RoomRepository {
    return new RoomRepository(tx);
  }

  async create(room: NewRoom): Promise<StoredRoom> {
    const rows = await this.#db.query<RoomRow>(
      `INSERT INTO rooms (id, owner_id, name, password_hash, waiting_room, video_codec)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}`,
      [randomUUID(), room.ownerId, room.name, room.passwordHash, room.waitingRoom, room.videoCodec],
    );
    return toRoom(onlyRow(rows));
  }

  async get(id: RoomId): Promise<StoredRoom | undefined> {
    const rows = await this.#db.query<RoomRow>(`SELECT ${columns} FROM rooms WHERE id = $1`, [id]);
    return rows[0] && toRoom(rows[0]);
  }

  async listOwnedBy(ownerId: UserId): Promise<StoredRoom[]> {
    const rows = await this.#db.query<RoomRow>(`SELECT ${columns} FROM rooms WHERE owner_id = $1 ORDER BY created_at, id`, [
      ownerId,
    ]);
    return rows.map(toRoom);
  }

  async update(id: RoomId, changes: RoomChanges): Promise<StoredRoom | undefined> {
    const rows = await this.#db.query<RoomRow>(
      `UPDATE rooms SET
         name = COALESCE($2, name),
         password_hash = CASE WHEN $3::boolean THEN $4 ELSE password_hash END,
         waiting_room = COALESCE($5, waiting_room),
         video_codec = COALESCE($6, video_codec),
         updated_at = now()
       WHERE id = $1 RETURNING ${columns}`,
      [
        id,
        changes.name ?? null,
        changes.passwordHash !== undefined,
        changes.passwordHash ?? null,
        changes.waitingRoom ?? null,
        changes.videoCodec ?? null,
      ],
    );
    return rows[0] && toRoom(rows[0]);
  }

  /** Deletes the room with its events and invites. Returns false when it did not exist. */
  async delete(id: RoomId): Promise<boolean> {
    const rows = await this.#db.query<{ id: string }>('DELETE FROM rooms WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }
}
