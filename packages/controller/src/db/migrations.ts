/**
 * Versioned schema migrations, applied in order at start. Never edit a released migration;
 * add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'users, rooms, events, invites',
    sql: `
      CREATE TABLE users (
        id            uuid PRIMARY KEY,
        issuer        text NOT NULL,
        subject       text NOT NULL,
        display_name  text NOT NULL,
        email         text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        UNIQUE (issuer, subject)
      );

      CREATE TABLE rooms (
        id             uuid PRIMARY KEY,
        owner_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name           text NOT NULL,
        password_hash  text,
        waiting_room   boolean NOT NULL DEFAULT false,
        video_codec    text NOT NULL DEFAULT 'vp8' CHECK (video_codec IN ('vp8', 'vp9', 'av1')),
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX rooms_owner_idx ON rooms (owner_id);

      CREATE TABLE events (
        id               uuid PRIMARY KEY,
        room_id          uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        created_by       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        title            text NOT NULL,
        description      text NOT NULL DEFAULT '',
        starts_at        timestamptz NOT NULL,
        ends_at          timestamptz NOT NULL,
        time_zone        text NOT NULL,
        recurrence_rule  text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at > starts_at)
      );
      CREATE INDEX events_created_by_idx ON events (created_by);
      CREATE INDEX events_room_idx ON events (room_id);

      CREATE TABLE event_invitees (
        event_id  uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        email     text NOT NULL,
        PRIMARY KEY (event_id, email)
      );
      CREATE INDEX event_invitees_email_idx ON event_invitees (email);

      CREATE TABLE invites (
        code        text PRIMARY KEY,
        room_id     uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        created_by  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz,
        max_uses    integer CHECK (max_uses > 0),
        uses        integer NOT NULL DEFAULT 0,
        revoked_at  timestamptz
      );
      CREATE INDEX invites_room_idx ON invites (room_id);
    `,
  },
];
