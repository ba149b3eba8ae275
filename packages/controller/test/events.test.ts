import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Event, EventInstanceList } from '@plenum/protocol';
import { apiClient, json, type Api } from '../src/test-support/apiClient.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

const weekly = {
  title: 'Team weekly',
  description: 'Status and plans',
  startsAt: '2027-03-01T09:00:00+01:00',
  endsAt: '2027-03-01T10:00:00+01:00',
  timeZone: 'Europe/Berlin',
  recurrenceRule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6',
  invitees: [{ email: 'Bob@Plenum.test' }],
};

describe('events API', () => {
  let t: TestApp;
  let alice: Api;
  let bob: Api;
  let carol: Api;

  beforeAll(async () => {
    t = await startTestApp();
    alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    bob = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'bob', 'test-password')).accessToken);
    carol = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'carol', 'test-password')).accessToken);
  });
  afterAll(() => t.close());

  it('schedules an event in a new room owned by its creator', async () => {
    const created = await alice('POST', '/v1/events', weekly);
    expect(created.status).toBe(201);
    const event = Event.parse(created.body);
    expect(event).toMatchObject({ title: 'Team weekly', timeZone: 'Europe/Berlin', invitees: [{ email: 'bob@plenum.test' }] });
    const room = json(await alice('GET', `/v1/rooms/${event.roomId}`));
    expect(room.name).toBe('Team weekly');
    expect(room.ownerId).toBe(json(await alice('GET', '/v1/users/me')).id);
  });

  it('uses a room of mine when named, and refuses somebody else\'s', async () => {
    const roomId = String(json(await alice('POST', '/v1/rooms', { name: 'Alice room' })).id);
    const mine = await alice('POST', '/v1/events', { ...weekly, roomId });
    expect(Event.parse(mine.body).roomId).toBe(roomId);
    const theirs = await bob('POST', '/v1/events', { ...weekly, roomId });
    expect([theirs.status, json(theirs).code]).toEqual([403, 'not_room_owner']);
  });

  it('shows an event to its creator and invitees only', async () => {
    const event = Event.parse((await alice('POST', '/v1/events', weekly)).body);
    expect((await bob('GET', `/v1/events/${event.id}`)).status).toBe(200);
    const carolSees = await carol('GET', `/v1/events/${event.id}`);
    expect([carolSees.status, json(carolSees).code]).toEqual([403, 'forbidden']);
    const bobList = (await bob('GET', '/v1/events')).body as { id: string }[];
    expect(bobList.map((e) => e.id)).toContain(event.id);
    const carolList = (await carol('GET', '/v1/events')).body as { id: string }[];
    expect(carolList.map((e) => e.id)).not.toContain(event.id);
  });

  it('expands weekly instances at the same local time across the change to summer time', async () => {
    const event = Event.parse((await alice('POST', '/v1/events', weekly)).body);
    const query = new URLSearchParams({ from: '2027-02-01T00:00:00Z', to: '2027-06-01T00:00:00Z' });
    const response = await bob('GET', `/v1/events/${event.id}/instances?${query.toString()}`);
    expect(response.status).toBe(200);
    const { instances, truncated } = EventInstanceList.parse(response.body);
    expect(truncated).toBe(false);
    expect(instances.map((i) => i.startsAt)).toEqual([
      '2027-03-01T08:00:00.000Z',
      '2027-03-08T08:00:00.000Z',
      '2027-03-15T08:00:00.000Z',
      '2027-03-22T08:00:00.000Z',
      '2027-03-29T07:00:00.000Z',
      '2027-04-05T07:00:00.000Z',
    ]);
    expect(instances.every((i) => Date.parse(i.endsAt) - Date.parse(i.startsAt) === 3_600_000)).toBe(true);
  });

  it('refuses an unknown time zone, a bad rule and an end before the start', async () => {
    const zone = await alice('POST', '/v1/events', { ...weekly, timeZone: 'Mars/Olympus' });
    expect([zone.status, json(zone).code]).toEqual([400, 'invalid_time_zone']);
    const rule = await alice('POST', '/v1/events', { ...weekly, recurrenceRule: 'FREQ=HOURLY' });
    expect([rule.status, json(rule).code]).toEqual([400, 'invalid_recurrence_rule']);
    const range = await alice('POST', '/v1/events', { ...weekly, endsAt: '2027-03-01T08:00:00+01:00' });
    expect([range.status, json(range).code]).toEqual([400, 'invalid_time_range']);
  });

  it('refuses an instances window that is reversed or too long', async () => {
    const event = Event.parse((await alice('POST', '/v1/events', weekly)).body);
    const reversed = await alice('GET', `/v1/events/${event.id}/instances?from=2027-05-01T00:00:00Z&to=2027-04-01T00:00:00Z`);
    expect([reversed.status, json(reversed).code]).toEqual([400, 'invalid_time_range']);
    const long = await alice('GET', `/v1/events/${event.id}/instances?from=2027-01-01T00:00:00Z&to=2029-01-01T00:00:00Z`);
    expect([long.status, json(long).code]).toEqual([400, 'invalid_time_range']);
  });

  it('lets only the creator change or delete an event; invitees follow the change', async () => {
    const event = Event.parse((await alice('POST', '/v1/events', weekly)).body);
    const bobPatch = await bob('PATCH', `/v1/events/${event.id}`, { title: 'Mine now' });
    expect([bobPatch.status, json(bobPatch).code]).toEqual([403, 'not_event_owner']);

    const patched = await alice('PATCH', `/v1/events/${event.id}`, {
      title: 'Team weekly (new)',
      recurrenceRule: null,
      invitees: [{ email: 'carol@plenum.test' }],
    });
    expect(patched.status).toBe(200);
    expect(Event.parse(patched.body)).toMatchObject({ title: 'Team weekly (new)', recurrenceRule: null, invitees: [{ email: 'carol@plenum.test' }] });
    expect((await carol('GET', `/v1/events/${event.id}`)).status).toBe(200);
    expect((await bob('GET', `/v1/events/${event.id}`)).status).toBe(403);

    expect((await bob('DELETE', `/v1/events/${event.id}`)).status).toBe(403);
    expect((await alice('DELETE', `/v1/events/${event.id}`)).status).toBe(204);
    const gone = await alice('GET', `/v1/events/${event.id}`);
    expect([gone.status, json(gone).code]).toEqual([404, 'event_not_found']);
    // The room stays: it may hold other events and invites.
    expect((await alice('GET', `/v1/rooms/${event.roomId}`)).status).toBe(200);
  });

  it('refuses a change that would put the end before the start', async () => {
    const event = Event.parse((await alice('POST', '/v1/events', weekly)).body);
    const bad = await alice('PATCH', `/v1/events/${event.id}`, { endsAt: '2027-02-01T00:00:00Z' });
    expect([bad.status, json(bad).code]).toEqual([400, 'invalid_time_range']);
    expect(Event.parse((await alice('GET', `/v1/events/${event.id}`)).body).endsAt).toBe(event.endsAt);
  });
});
