import { randomUUID } from 'node:crypto';
import { InviteCode, type EventId, type RoomId, type User, type UserId, type VideoCodec } from '@plenum/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
import { randomToken } from '../security/randomToken.js';
import { databaseKinds, openTestDatabase, type DatabaseKind } from '../test-support/databases.js';
import { EventRepository, type EventFields } from './events.js';
import { InviteRepository } from './invites.js';
import { publicRoom, RoomRepository, type NewRoom, type StoredRoom } from './rooms.js';
import { UserRepository } from './users.js';

const HOUR = 60 * 60 * 1000;

/** A fresh migrated database of `kind` for the enclosing describe block, closed after it. */
function useDatabase(kind: DatabaseKind): () => Database {
  let db: Database | undefined;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });
  return () => db!;
}

/** Repositories over one database, with helpers that make distinct users and rooms. */
function fixtures(database: () => Database) {
  let serial = 0;
  const repos = () => {
    const db = database();
    return {
      users: new UserRepository(db),
      rooms: new RoomRepository(db),
      invites: new InviteRepository(db),
      events: new EventRepository(db),
    };
  };
  const newUser = (): Promise<User> => {
    serial += 1;
    return repos().users.upsertFromClaims({
      issuer: 'https://idp.example.com',
      subject: `subject-${serial}`,
      name: `User ${serial}`,
      email: `user${serial}@example.com`,
    });
  };
  const newRoom = async (overrides: Partial<NewRoom> = {}): Promise<StoredRoom> => {
    const ownerId = overrides.ownerId ?? (await newUser()).id;
    return repos().rooms.create({
      ownerId,
      name: 'Standup',
      passwordHash: null,
      waitingRoom: false,
      videoCodec: 'vp8',
      ...overrides,
    });
  };
  return { repos, newUser, newRoom };
}

function eventFields(overrides: Partial<EventFields> = {}): EventFields {
  return {
    title: 'Planning',
    description: 'Quarterly planning',
    startsAt: new Date('2027-03-01T09:00:00.000Z'),
    endsAt: new Date('2027-03-01T10:00:00.000Z'),
    timeZone: 'Europe/Berlin',
    recurrenceRule: null,
    invitees: [],
    ...overrides,
  };
}

const unknownRoomId = (): RoomId => randomUUID() as RoomId;
const unknownCode = (): InviteCode => InviteCode.parse(randomToken(16));

async function countRows(db: Database, sql: string, params: readonly unknown[]): Promise<number> {
  const rows = await db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${sql}`, params);
  return rows[0]!.n;
}

/** Backdates a row, since rows inserted back-to-back may share a creation time. */
async function setCreatedAt(db: Database, table: 'rooms' | 'invites', key: string, at: Date): Promise<void> {
  const column = table === 'rooms' ? 'id' : 'code';
  const rows = await db.query(`UPDATE ${table} SET created_at = $2 WHERE ${column} = $1 RETURNING 1`, [key, at]);
  expect(rows).toHaveLength(1);
}

describe.each(databaseKinds)('%s', (kind) => {
  // One database per kind: every test makes its own users and rooms, so they do not interfere.
  const db = useDatabase(kind);
  const { repos, newUser, newRoom } = fixtures(db);

  describe('UserRepository', () => {
    const users = () => new UserRepository(db());
    const claims = { issuer: 'https://idp.example.com', subject: 'alice', name: 'Alice', email: 'alice@example.com' };

    it('upsertFromClaims creates the user on first sight', async () => {
      const user = await users().upsertFromClaims(claims);
      expect(user).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        displayName: 'Alice',
        email: 'alice@example.com',
        createdAt: expect.any(String) as unknown,
      });
      expect(await users().get(user.id)).toEqual(user);
    });

    it('upsertFromClaims for a known issuer and subject returns the same user with the new email', async () => {
      const first = await users().upsertFromClaims({ ...claims, subject: 'bob', email: 'bob@old.example' });
      const again = await users().upsertFromClaims({ ...claims, subject: 'bob', email: 'bob@new.example' });
      expect(again.id).toBe(first.id);
      expect(again.createdAt).toBe(first.createdAt);
      expect(again.email).toBe('bob@new.example');
      expect((await users().get(first.id))?.email).toBe('bob@new.example');
    });

    it('upsertFromClaims clears the email when the provider no longer sends one', async () => {
      const first = await users().upsertFromClaims({ ...claims, subject: 'carol', email: 'carol@example.com' });
      const again = await users().upsertFromClaims({ ...claims, subject: 'carol', email: null });
      expect(again.id).toBe(first.id);
      expect(again.email).toBeNull();
    });

    it('upsertFromClaims keeps a display name the user changed instead of the provider name', async () => {
      const first = await users().upsertFromClaims({ ...claims, subject: 'dave', name: 'Dave' });
      const renamed = await users().setDisplayName(first.id, 'David the Great');
      expect(renamed).toEqual({ ...first, displayName: 'David the Great' });
      const again = await users().upsertFromClaims({ ...claims, subject: 'dave', name: 'Dave From IdP' });
      expect(again.displayName).toBe('David the Great');
      expect((await users().get(first.id))?.displayName).toBe('David the Great');
    });

    it('the same subject at another issuer is another user', async () => {
      const here = await users().upsertFromClaims({ ...claims, subject: 'erin' });
      const there = await users().upsertFromClaims({ ...claims, issuer: 'https://idp.example.org', subject: 'erin' });
      expect(there.id).not.toBe(here.id);
    });

    it('get and setDisplayName return undefined for an unknown user', async () => {
      const nobody = randomUUID() as UserId;
      expect(await users().get(nobody)).toBeUndefined();
      expect(await users().setDisplayName(nobody, 'Ghost')).toBeUndefined();
    });
  });

  describe('RoomRepository', () => {
    const rooms = () => repos().rooms;

    it('create stores every field and get returns the room', async () => {
      const owner = await newUser();
      const room = await rooms().create({
        ownerId: owner.id,
        name: 'Board meeting',
        passwordHash: '$argon2id$hash',
        waitingRoom: true,
        videoCodec: 'vp9',
      });
      expect(room).toMatchObject({
        ownerId: owner.id,
        name: 'Board meeting',
        hasPassword: true,
        passwordHash: '$argon2id$hash',
        waitingRoom: true,
        videoCodec: 'vp9',
      });
      expect(new Date(room.createdAt).toISOString()).toBe(room.createdAt);
      expect(room.updatedAt).toBe(room.createdAt);
      expect(await rooms().get(room.id)).toEqual(room);
    });

    it('get returns undefined for an unknown room', async () => {
      expect(await rooms().get(unknownRoomId())).toBeUndefined();
    });

    // PGlite's clock ticks in milliseconds, so back-to-back inserts can share created_at; the
    // ordering tests therefore set creation times explicitly.
    it('listOwnedBy lists only the owner’s rooms, oldest first', async () => {
      const owner = await newUser();
      const last = await newRoom({ ownerId: owner.id, name: 'Created last' });
      const first = await newRoom({ ownerId: owner.id, name: 'Created first' });
      await newRoom({ name: 'Someone else’s' });
      const middle = await newRoom({ ownerId: owner.id, name: 'Created in between' });
      const now = Date.now();
      await setCreatedAt(db(), 'rooms', first.id, new Date(now - 3 * HOUR));
      await setCreatedAt(db(), 'rooms', middle.id, new Date(now - 2 * HOUR));
      await setCreatedAt(db(), 'rooms', last.id, new Date(now - HOUR));
      const listed = await rooms().listOwnedBy(owner.id);
      expect(listed.map((room) => room.name)).toEqual(['Created first', 'Created in between', 'Created last']);
      expect(listed[0]).toEqual({ ...first, createdAt: new Date(now - 3 * HOUR).toISOString() });
      expect(await rooms().listOwnedBy((await newUser()).id)).toEqual([]);
    });

    it('listOwnedBy orders rooms created at the same instant by id', async () => {
      const owner = await newUser();
      const created: StoredRoom[] = [];
      for (let i = 0; i < 3; i++) created.push(await newRoom({ ownerId: owner.id }));
      const at = new Date(Date.now() - HOUR);
      for (const room of created) await setCreatedAt(db(), 'rooms', room.id, at);
      const ids = created.map((room) => room.id).sort();
      expect((await rooms().listOwnedBy(owner.id)).map((room) => room.id)).toEqual(ids);
    });

    it('update changes only the name when given only the name', async () => {
      const room = await newRoom({ name: 'Old', passwordHash: 'hash', waitingRoom: true, videoCodec: 'vp9' });
      const updated = await rooms().update(room.id, { name: 'New' });
      expect(updated).toEqual({ ...room, name: 'New', updatedAt: expect.any(String) as unknown });
      expect(updated!.updatedAt >= room.updatedAt).toBe(true);
    });

    it('update changes only the waiting room flag when given only that, both ways', async () => {
      const room = await newRoom({ passwordHash: 'hash', waitingRoom: false, videoCodec: 'av1' });
      const on = await rooms().update(room.id, { waitingRoom: true });
      expect(on).toEqual({ ...room, waitingRoom: true, updatedAt: expect.any(String) as unknown });
      const off = await rooms().update(room.id, { waitingRoom: false });
      expect(off).toEqual({ ...room, waitingRoom: false, updatedAt: expect.any(String) as unknown });
    });

    it('update changes only the video codec when given only the codec', async () => {
      const room = await newRoom({ passwordHash: 'hash', waitingRoom: true, videoCodec: 'vp8' });
      const updated = await rooms().update(room.id, { videoCodec: 'av1' });
      expect(updated).toEqual({ ...room, videoCodec: 'av1', updatedAt: expect.any(String) as unknown });
    });

    it('update keeps the password when passwordHash is undefined', async () => {
      const room = await newRoom({ passwordHash: 'kept' });
      const updated = await rooms().update(room.id, { passwordHash: undefined, name: 'Renamed' });
      expect(updated).toMatchObject({ name: 'Renamed', passwordHash: 'kept', hasPassword: true });
      expect(await rooms().update(room.id, {})).toMatchObject({ name: 'Renamed', passwordHash: 'kept' });
    });

    it('update removes the password when passwordHash is null', async () => {
      const room = await newRoom({ passwordHash: 'to-remove', name: 'Locked' });
      const updated = await rooms().update(room.id, { passwordHash: null });
      expect(updated).toMatchObject({ name: 'Locked', passwordHash: null, hasPassword: false });
    });

    it('update sets the password when passwordHash is a string', async () => {
      const room = await newRoom({ passwordHash: null });
      const set = await rooms().update(room.id, { passwordHash: 'first' });
      expect(set).toMatchObject({ passwordHash: 'first', hasPassword: true });
      const replaced = await rooms().update(room.id, { passwordHash: 'second' });
      expect(replaced).toMatchObject({ passwordHash: 'second', hasPassword: true });
    });

    it('update returns undefined for an unknown room', async () => {
      expect(await rooms().update(unknownRoomId(), { name: 'Nowhere' })).toBeUndefined();
    });

    it('the database rejects a video codec outside vp8, vp9 and av1', async () => {
      const owner = await newUser();
      const h264 = 'h264' as VideoCodec;
      await expect(
        rooms().create({ ownerId: owner.id, name: 'H', passwordHash: null, waitingRoom: false, videoCodec: h264 }),
      ).rejects.toThrow(/check constraint/);
      const room = await newRoom({ ownerId: owner.id });
      await expect(rooms().update(room.id, { videoCodec: h264 })).rejects.toThrow(/check constraint/);
      expect((await rooms().get(room.id))?.videoCodec).toBe('vp8');
      // Also when bypassing the repository altogether.
      await expect(db().query("UPDATE rooms SET video_codec = 'h264' WHERE id = $1", [room.id])).rejects.toThrow(
        /check constraint/,
      );
    });

    it('publicRoom strips the password hash and keeps everything else', async () => {
      const room = await newRoom({ passwordHash: 'secret-hash' });
      const shown = publicRoom(room);
      expect(shown).not.toHaveProperty('passwordHash');
      expect(JSON.stringify(shown)).not.toContain('secret-hash');
      const { passwordHash: _hash, ...rest } = room;
      expect(shown).toEqual(rest);
      expect(shown.hasPassword).toBe(true);
    });

    it('delete removes the room with its invites, events and event invitees', async () => {
      const { invites, events } = repos();
      const room = await newRoom();
      const invite = await invites.create({ roomId: room.id, createdBy: room.ownerId, expiresAt: null, maxUses: null });
      const event = await events.create({
        ...eventFields({ invitees: ['guest@example.com'] }),
        roomId: room.id,
        createdBy: room.ownerId,
      });

      expect(await rooms().delete(room.id)).toBe(true);

      expect(await rooms().get(room.id)).toBeUndefined();
      expect(await invites.verify(invite.code)).toEqual({ ok: false, problem: 'invite_not_found' });
      expect(await events.get(event.id)).toBeUndefined();
      expect(await countRows(db(), 'event_invitees WHERE event_id = $1', [event.id])).toBe(0);
      expect(await rooms().delete(room.id)).toBe(false);
    });

    it('withinTransaction works inside a transaction that rolls back', async () => {
      const owner = await newUser();
      await expect(
        db().transaction(async (tx) => {
          await rooms()
            .withinTransaction(tx)
            .create({ ownerId: owner.id, name: 'Never', passwordHash: null, waitingRoom: false, videoCodec: 'vp8' });
          expect(await rooms().withinTransaction(tx).listOwnedBy(owner.id)).toHaveLength(1);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await rooms().listOwnedBy(owner.id)).toEqual([]);
    });
  });

  describe('InviteRepository', () => {
    const invites = () => repos().invites;
    const newInvite = async (options: { expiresAt?: Date | null; maxUses?: number | null } = {}) => {
      const room = await newRoom();
      const invite = await invites().create({
        roomId: room.id,
        createdBy: room.ownerId,
        expiresAt: options.expiresAt ?? null,
        maxUses: options.maxUses ?? null,
      });
      return { room, invite };
    };

    it('create gives a fresh 22-character URL-safe code and stores the limits', async () => {
      const expiresAt = new Date(Date.now() + HOUR);
      const { room, invite } = await newInvite({ expiresAt, maxUses: 5 });
      expect(invite.code).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(InviteCode.safeParse(invite.code).success).toBe(true);
      expect(invite).toMatchObject({
        roomId: room.id,
        createdBy: room.ownerId,
        expiresAt: expiresAt.toISOString(),
        maxUses: 5,
        uses: 0,
      });
      const other = await invites().create({
        roomId: room.id,
        createdBy: room.ownerId,
        expiresAt: null,
        maxUses: null,
      });
      expect(other.code).not.toBe(invite.code);
      expect(other).toMatchObject({ expiresAt: null, maxUses: null, uses: 0 });
    });

    it('verify accepts a valid invite without using it up', async () => {
      const { invite } = await newInvite({ maxUses: 1 });
      expect(await invites().verify(invite.code)).toEqual({ ok: true, invite });
      expect(await invites().verify(invite.code)).toEqual({ ok: true, invite });
    });

    it('verify reports invite_not_found for an unknown code', async () => {
      expect(await invites().verify(unknownCode())).toEqual({ ok: false, problem: 'invite_not_found' });
    });

    it('verify reports invite_revoked for a revoked invite', async () => {
      const { room, invite } = await newInvite();
      await invites().revoke(room.id, invite.code);
      expect(await invites().verify(invite.code)).toEqual({ ok: false, problem: 'invite_revoked' });
    });

    it('verify reports invite_expired from the moment of expiry on', async () => {
      const expiresAt = new Date(Date.now() + HOUR);
      const { invite } = await newInvite({ expiresAt });
      expect((await invites().verify(invite.code, new Date(expiresAt.getTime() - 1))).ok).toBe(true);
      expect(await invites().verify(invite.code, expiresAt)).toEqual({ ok: false, problem: 'invite_expired' });
      expect(await invites().verify(invite.code, new Date(expiresAt.getTime() + HOUR))).toEqual({
        ok: false,
        problem: 'invite_expired',
      });
    });

    it('verify reports invite_exhausted once every use is taken', async () => {
      const { invite } = await newInvite({ maxUses: 2 });
      await invites().consume(invite.code);
      await invites().consume(invite.code);
      expect(await invites().verify(invite.code)).toEqual({ ok: false, problem: 'invite_exhausted' });
    });

    it('consume increments the uses and returns the updated invite', async () => {
      const { invite } = await newInvite({ maxUses: 3 });
      expect(await invites().consume(invite.code)).toEqual({ ok: true, invite: { ...invite, uses: 1 } });
      expect(await invites().consume(invite.code)).toEqual({ ok: true, invite: { ...invite, uses: 2 } });
    });

    it('consume refuses an invite beyond its maxUses and leaves the uses at the limit', async () => {
      const { room, invite } = await newInvite({ maxUses: 2 });
      expect((await invites().consume(invite.code)).ok).toBe(true);
      expect((await invites().consume(invite.code)).ok).toBe(true);
      expect(await invites().consume(invite.code)).toEqual({ ok: false, problem: 'invite_exhausted' });
      expect(await invites().consume(invite.code)).toEqual({ ok: false, problem: 'invite_exhausted' });
      expect(await invites().listForRoom(room.id)).toEqual([{ ...invite, uses: 2 }]);
    });

    it('consume of an invite without maxUses never runs out', async () => {
      const { invite } = await newInvite({ maxUses: null });
      for (let i = 1; i <= 5; i++) {
        expect(await invites().consume(invite.code)).toEqual({ ok: true, invite: { ...invite, uses: i } });
      }
    });

    it('consume reports why an unusable invite cannot be used, and does not count it', async () => {
      const expiresAt = new Date(Date.now() + HOUR);
      const { room, invite } = await newInvite({ expiresAt });
      expect(await invites().consume(invite.code, expiresAt)).toEqual({ ok: false, problem: 'invite_expired' });
      expect(await invites().consume(unknownCode())).toEqual({ ok: false, problem: 'invite_not_found' });
      expect(await invites().listForRoom(room.id)).toEqual([invite]);
      await invites().revoke(room.id, invite.code);
      expect(await invites().consume(invite.code)).toEqual({ ok: false, problem: 'invite_revoked' });
    });

    it('ten concurrent consumes of a single-use invite yield exactly one success', async () => {
      const { room, invite } = await newInvite({ maxUses: 1 });
      const results = await Promise.all(Array.from({ length: 10 }, () => invites().consume(invite.code)));
      expect(results.filter((result) => result.ok)).toHaveLength(1);
      expect(results.filter((result) => !result.ok)).toEqual(
        Array.from({ length: 9 }, () => ({ ok: false, problem: 'invite_exhausted' })),
      );
      expect((await invites().listForRoom(room.id))[0]?.uses).toBe(1);
    });

    it('concurrent consumes of a three-use invite yield exactly three successes', async () => {
      const { room, invite } = await newInvite({ maxUses: 3 });
      const results = await Promise.all(Array.from({ length: 10 }, () => invites().consume(invite.code)));
      const granted = results.flatMap((result) => (result.ok ? [result.invite.uses] : []));
      expect(granted.sort((a, b) => a - b)).toEqual([1, 2, 3]);
      expect((await invites().listForRoom(room.id))[0]?.uses).toBe(3);
    });

    it('revoke only revokes the invite within its own room, and only once', async () => {
      const { room, invite } = await newInvite();
      const otherRoom = await newRoom();
      expect(await invites().revoke(otherRoom.id, invite.code)).toBe(false);
      expect(await invites().revoke(unknownRoomId(), invite.code)).toBe(false);
      expect((await invites().verify(invite.code)).ok).toBe(true);

      expect(await invites().revoke(room.id, invite.code)).toBe(true);
      expect(await invites().revoke(room.id, invite.code)).toBe(false);
      expect(await invites().revoke(room.id, unknownCode())).toBe(false);
    });

    it('listForRoom lists the room’s unrevoked invites, oldest first', async () => {
      const room = await newRoom();
      const make = () => invites().create({ roomId: room.id, createdBy: room.ownerId, expiresAt: null, maxUses: null });
      const newest = await make();
      const revoked = await make();
      const oldest = await make();
      await newInvite(); // another room's invite
      const now = Date.now();
      await setCreatedAt(db(), 'invites', oldest.code, new Date(now - 2 * HOUR));
      await setCreatedAt(db(), 'invites', newest.code, new Date(now - HOUR));
      expect(await invites().revoke(room.id, revoked.code)).toBe(true);
      expect((await invites().listForRoom(room.id)).map((invite) => invite.code)).toEqual([oldest.code, newest.code]);
      expect(await invites().listForRoom(unknownRoomId())).toEqual([]);
    });
  });

  describe('EventRepository', () => {
    const events = () => repos().events;

    it('create stores the fields and returns the event with its invitees', async () => {
      const room = await newRoom();
      const fields = eventFields({ recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=4', invitees: ['guest@example.com'] });
      const event = await events().create({ ...fields, roomId: room.id, createdBy: room.ownerId });
      expect(event).toEqual({
        id: expect.any(String) as unknown,
        roomId: room.id,
        createdBy: room.ownerId,
        title: 'Planning',
        description: 'Quarterly planning',
        startsAt: '2027-03-01T09:00:00.000Z',
        endsAt: '2027-03-01T10:00:00.000Z',
        timeZone: 'Europe/Berlin',
        recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=4',
        invitees: [{ email: 'guest@example.com' }],
        createdAt: expect.any(String) as unknown,
        updatedAt: expect.any(String) as unknown,
      });
      expect(await events().get(event.id)).toEqual(event);
    });

    it('create stores invitee emails in lower case and collapses duplicates', async () => {
      const room = await newRoom();
      const event = await events().create({
        ...eventFields({ invitees: ['Ann@Example.com', 'ann@example.com', 'bob@example.com', 'bob@example.com'] }),
        roomId: room.id,
        createdBy: room.ownerId,
      });
      expect(event.invitees).toEqual([{ email: 'ann@example.com' }, { email: 'bob@example.com' }]);
      expect(await events().isInvited(event.id, 'ann@example.com')).toBe(true);
    });

    it('get returns the invitees sorted by email', async () => {
      const room = await newRoom();
      const { id } = await events().create({
        ...eventFields({ invitees: ['zoe@example.com', 'adam@example.com', 'mia@example.com'] }),
        roomId: room.id,
        createdBy: room.ownerId,
      });
      expect((await events().get(id))?.invitees).toEqual([
        { email: 'adam@example.com' },
        { email: 'mia@example.com' },
        { email: 'zoe@example.com' },
      ]);
    });

    it('get returns an event without invitees with an empty list, and undefined for an unknown id', async () => {
      const room = await newRoom();
      const { id } = await events().create({ ...eventFields(), roomId: room.id, createdBy: room.ownerId });
      expect((await events().get(id))?.invitees).toEqual([]);
      expect(await events().get(randomUUID() as EventId)).toBeUndefined();
    });

    it('listVisibleTo shows events the user created or is invited to, earliest first, and no others', async () => {
      const me = await newUser();
      const other = await newUser();
      const myRoom = await newRoom({ ownerId: me.id });
      const theirRoom = await newRoom({ ownerId: other.id });
      const at = (day: number) => ({
        startsAt: new Date(`2027-04-${String(day).padStart(2, '0')}T09:00:00.000Z`),
        endsAt: new Date(`2027-04-${String(day).padStart(2, '0')}T10:00:00.000Z`),
      });
      const mine = await events().create({
        ...eventFields({ ...at(3), title: 'Mine' }),
        roomId: myRoom.id,
        createdBy: me.id,
      });
      const invited = await events().create({
        ...eventFields({ ...at(2), title: 'Invited', invitees: [me.email!, 'someone@example.com'] }),
        roomId: theirRoom.id,
        createdBy: other.id,
      });
      await events().create({
        ...eventFields({ ...at(1), title: 'Not for me', invitees: ['someone@example.com'] }),
        roomId: theirRoom.id,
        createdBy: other.id,
      });

      expect(await events().listVisibleTo(me.id, me.email)).toEqual([invited, mine]);
      expect(await events().listVisibleTo(me.id, me.email!.toUpperCase())).toEqual([invited, mine]);
      expect(await events().listVisibleTo(me.id, null)).toEqual([mine]);
      expect((await events().listVisibleTo(other.id, other.email)).map((event) => event.title)).toEqual([
        'Not for me',
        'Invited',
      ]);
    });

    it('isInvited is true only for an invited email, in any case', async () => {
      const room = await newRoom();
      const { id } = await events().create({
        ...eventFields({ invitees: ['guest@example.com'] }),
        roomId: room.id,
        createdBy: room.ownerId,
      });
      expect(await events().isInvited(id, 'guest@example.com')).toBe(true);
      expect(await events().isInvited(id, 'GUEST@Example.COM')).toBe(true);
      expect(await events().isInvited(id, 'stranger@example.com')).toBe(false);
      expect(await events().isInvited(id, null)).toBe(false);
      expect(await events().isInvited(randomUUID() as EventId, 'guest@example.com')).toBe(false);
    });

    it('update replaces every field and the whole invitee list', async () => {
      const room = await newRoom();
      const event = await events().create({
        ...eventFields({ invitees: ['old@example.com', 'kept@example.com'] }),
        roomId: room.id,
        createdBy: room.ownerId,
      });
      const updated = await events().update(
        event.id,
        eventFields({
          title: 'Replanning',
          description: '',
          startsAt: new Date('2027-05-01T07:00:00.000Z'),
          endsAt: new Date('2027-05-01T08:30:00.000Z'),
          timeZone: 'America/New_York',
          recurrenceRule: 'FREQ=DAILY;COUNT=2',
          invitees: ['kept@example.com', 'new@example.com'],
        }),
      );
      expect(updated).toEqual({
        ...event,
        title: 'Replanning',
        description: '',
        startsAt: '2027-05-01T07:00:00.000Z',
        endsAt: '2027-05-01T08:30:00.000Z',
        timeZone: 'America/New_York',
        recurrenceRule: 'FREQ=DAILY;COUNT=2',
        invitees: [{ email: 'kept@example.com' }, { email: 'new@example.com' }],
        updatedAt: expect.any(String) as unknown,
      });
      expect(await events().get(event.id)).toEqual(updated);
      expect(await events().isInvited(event.id, 'old@example.com')).toBe(false);

      const cleared = await events().update(event.id, eventFields({ invitees: [] }));
      expect(cleared?.invitees).toEqual([]);
    });

    it('update returns undefined for an unknown event', async () => {
      expect(await events().update(randomUUID() as EventId, eventFields())).toBeUndefined();
    });

    it('delete removes the event and its invitees, and reports whether it existed', async () => {
      const room = await newRoom();
      const { id } = await events().create({
        ...eventFields({ invitees: ['guest@example.com'] }),
        roomId: room.id,
        createdBy: room.ownerId,
      });
      expect(await events().delete(id)).toBe(true);
      expect(await events().get(id)).toBeUndefined();
      expect(await countRows(db(), 'event_invitees WHERE event_id = $1', [id])).toBe(0);
      expect(await events().delete(id)).toBe(false);
      expect(await repos().rooms.get(room.id)).toBeDefined();
    });

    it('the database refuses an event that does not end after it starts', async () => {
      const room = await newRoom();
      const start = new Date('2027-06-01T09:00:00.000Z');
      const base = { roomId: room.id, createdBy: room.ownerId };
      await expect(events().create({ ...eventFields({ startsAt: start, endsAt: start }), ...base })).rejects.toThrow(
        /check constraint/,
      );
      await expect(
        events().create({ ...eventFields({ startsAt: start, endsAt: new Date(start.getTime() - HOUR) }), ...base }),
      ).rejects.toThrow(/check constraint/);

      const event = await events().create({ ...eventFields(), ...base });
      await expect(events().update(event.id, eventFields({ startsAt: start, endsAt: start }))).rejects.toThrow(
        /check constraint/,
      );
      expect(await events().get(event.id)).toEqual(event);
    });

    it('create inside a transaction that rolls back leaves no event behind', async () => {
      const room = await newRoom();
      let createdId: EventId | undefined;
      await expect(
        db().transaction(async (tx) => {
          const event = await events().create(
            { ...eventFields({ invitees: ['guest@example.com'] }), roomId: room.id, createdBy: room.ownerId },
            tx,
          );
          createdId = event.id;
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(createdId).toBeDefined();
      expect(await events().get(createdId!)).toBeUndefined();
      expect(await countRows(db(), 'event_invitees WHERE event_id = $1', [createdId])).toBe(0);
    });
  });
});
