import {
  CreateEventBody,
  ErrorBody,
  Event,
  EventIdParams,
  EventInstanceList,
  EventList,
  InstancesQuery,
  PatchEventBody,
  maxInstanceRangeDays,
  maxInstances,
  type EventId,
} from '@plenum/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { badRequest, forbidden, notFound } from '../http/apiError.js';
import { caller, type Authenticated } from '../identity/authentication.js';
import { expandInstances, isValidTimeZone, parseRecurrenceRule } from '../events/recurrence.js';
import type { EventFields } from '../repositories/events.js';
import type { Services } from '../services.js';
import { findOwnedRoom } from './roomAccess.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const dayMs = 86_400_000;

/** Checks what the schema cannot: a real time zone, a usable rule, end after start. */
function validFields(fields: EventFields): EventFields {
  if (!isValidTimeZone(fields.timeZone)) throw badRequest('invalid_time_zone', `unknown time zone "${fields.timeZone}"`);
  if (fields.recurrenceRule !== null) {
    const rule = parseRecurrenceRule(fields.recurrenceRule);
    if (!rule.ok) throw badRequest('invalid_recurrence_rule', rule.message);
  }
  if (fields.endsAt <= fields.startsAt) throw badRequest('invalid_time_range', 'endsAt must be after startsAt');
  return fields;
}

export const eventRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  const { events, rooms, db } = services;

  /** Loads an event the caller may see: its creator or an invitee. */
  async function visibleEvent(id: EventId, who: Authenticated): Promise<Event> {
    const event = await events.get(id);
    if (!event) throw notFound('event_not_found', 'event');
    if (event.createdBy !== who.userId && !(await events.isInvited(id, who.email))) {
      throw forbidden('forbidden', 'you are not invited to this event');
    }
    return event;
  }

  async function ownedEvent(id: EventId, who: Authenticated): Promise<Event> {
    const event = await events.get(id);
    if (!event) throw notFound('event_not_found', 'event');
    if (event.createdBy !== who.userId) throw forbidden('not_event_owner', 'only the event creator may do this');
    return event;
  }

  app.get(
    '/events',
    { schema: { tags: ['events'], summary: 'Events I created or am invited to', response: { 200: EventList, ...errors } } },
    async (request) => {
      const { userId, email } = caller(request);
      return events.listVisibleTo(userId, email);
    },
  );

  app.post(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Schedule an event (with a new room unless roomId names one of mine)',
        body: CreateEventBody,
        response: { 201: Event, ...errors },
      },
    },
    async (request, reply) => {
      const { userId } = caller(request);
      const body = request.body;
      const fields = validFields({
        title: body.title,
        description: body.description,
        startsAt: new Date(body.startsAt),
        endsAt: new Date(body.endsAt),
        timeZone: body.timeZone,
        recurrenceRule: body.recurrenceRule ?? null,
        invitees: body.invitees.map((i) => i.email.toLowerCase()),
      });
      if (body.roomId) await findOwnedRoom(rooms, body.roomId, userId);
      const event = await db.transaction(async (tx) => {
        const roomId =
          body.roomId ??
          (await services.rooms.withinTransaction(tx).create({
            ownerId: userId,
            name: body.title.slice(0, 100),
            passwordHash: null,
            waitingRoom: false,
            videoCodec: 'vp8',
          })).id;
        return events.create({ ...fields, roomId, createdBy: userId }, tx);
      });
      return reply.code(201).send(event);
    },
  );

  app.get(
    '/events/:eventId',
    { schema: { tags: ['events'], summary: 'An event (creator or invitee)', params: EventIdParams, response: { 200: Event, ...errors } } },
    async (request) => visibleEvent(request.params.eventId, caller(request)),
  );

  app.patch(
    '/events/:eventId',
    {
      schema: {
        tags: ['events'],
        summary: 'Change an event (creator only)',
        params: EventIdParams,
        body: PatchEventBody,
        response: { 200: Event, ...errors },
      },
    },
    async (request) => {
      const current = await ownedEvent(request.params.eventId, caller(request));
      const body = request.body;
      const fields = validFields({
        title: body.title ?? current.title,
        description: body.description ?? current.description,
        startsAt: new Date(body.startsAt ?? current.startsAt),
        endsAt: new Date(body.endsAt ?? current.endsAt),
        timeZone: body.timeZone ?? current.timeZone,
        recurrenceRule: body.recurrenceRule === undefined ? current.recurrenceRule : body.recurrenceRule,
        invitees: (body.invitees ?? current.invitees).map((i) => i.email.toLowerCase()),
      });
      const updated = await db.transaction((tx) => events.update(current.id, fields, tx));
      if (!updated) throw notFound('event_not_found', 'event');
      return updated;
    },
  );

  app.delete(
    '/events/:eventId',
    {
      schema: { tags: ['events'], summary: 'Delete an event (creator only); its room stays', params: EventIdParams, response: { 204: z.null(), ...errors } },
    },
    async (request, reply) => {
      const event = await ownedEvent(request.params.eventId, caller(request));
      await events.delete(event.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/events/:eventId/instances',
    {
      schema: {
        tags: ['events'],
        summary: 'Occurrences of an event within a window (creator or invitee)',
        params: EventIdParams,
        querystring: InstancesQuery,
        response: { 200: EventInstanceList, ...errors },
      },
    },
    async (request) => {
      const event = await visibleEvent(request.params.eventId, caller(request));
      const from = request.query.from ? new Date(request.query.from) : new Date();
      const to = request.query.to ? new Date(request.query.to) : new Date(from.getTime() + 90 * dayMs);
      if (to <= from) throw badRequest('invalid_time_range', '"to" must be after "from"');
      if (to.getTime() - from.getTime() > maxInstanceRangeDays * dayMs) {
        throw badRequest('invalid_time_range', `the window may span at most ${maxInstanceRangeDays} days`);
      }
      const expanded = expandInstances(
        {
          startsAt: new Date(event.startsAt),
          endsAt: new Date(event.endsAt),
          timeZone: event.timeZone,
          recurrenceRule: event.recurrenceRule,
        },
        { from, to },
        maxInstances,
      );
      return {
        instances: expanded.instances.map((i) => ({
          eventId: event.id,
          startsAt: i.startsAt.toISOString(),
          endsAt: i.endsAt.toISOString(),
        })),
        truncated: expanded.truncated,
      };
    },
  );
};
