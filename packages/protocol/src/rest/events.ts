import { z } from 'zod';
import { EventId, RoomId, UserId } from '../ids.js';
import { Timestamp } from './common.js';

/** An IANA time zone name such as `Europe/Berlin`; checked against the server's zone database. */
export const TimeZone = z.string().min(1).max(64).regex(/^[A-Za-z0-9_+\-/]+$/, 'must be an IANA time zone name');

/**
 * An RFC 5545 recurrence rule without DTSTART, e.g. `FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10`.
 * The event's `startsAt` in `timeZone` is the first occurrence; instances keep its local time
 * across daylight-saving changes.
 */
export const RecurrenceRule = z
  .string()
  .min(1)
  .max(500)
  .regex(/^(RRULE:)?[A-Z0-9=;,:+-]+$/, 'must be an RFC 5545 RRULE');

export const EventTitle = z.string().trim().min(1).max(200);
export const EventDescription = z.string().max(10_000);
export const Invitee = z.strictObject({ email: z.email().max(254) });

export const Event = z
  .object({
    id: EventId,
    roomId: RoomId,
    createdBy: UserId,
    title: EventTitle,
    description: EventDescription,
    startsAt: Timestamp,
    endsAt: Timestamp,
    timeZone: TimeZone,
    recurrenceRule: RecurrenceRule.nullable(),
    invitees: z.array(Invitee),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Event' });
export type Event = z.infer<typeof Event>;

export const CreateEventBody = z.strictObject({
  title: EventTitle,
  description: EventDescription.default(''),
  /** The room the meeting happens in; must be yours. Omitted: a new room named like the event. */
  roomId: RoomId.optional(),
  startsAt: Timestamp,
  endsAt: Timestamp,
  timeZone: TimeZone,
  recurrenceRule: RecurrenceRule.optional(),
  invitees: z.array(Invitee).max(500).default([]),
});
export type CreateEventBody = z.infer<typeof CreateEventBody>;

export const PatchEventBody = z.strictObject({
  title: EventTitle.optional(),
  description: EventDescription.optional(),
  startsAt: Timestamp.optional(),
  endsAt: Timestamp.optional(),
  timeZone: TimeZone.optional(),
  /** `null` makes the event a single occurrence. */
  recurrenceRule: RecurrenceRule.nullable().optional(),
  invitees: z.array(Invitee).max(500).optional(),
});
export type PatchEventBody = z.infer<typeof PatchEventBody>;

export const EventList = z.array(Event);
export const EventIdParams = z.strictObject({ eventId: EventId });

/** Maximum span of one instances query, and maximum instances returned. */
export const maxInstanceRangeDays = 366;
export const maxInstances = 1000;

export const InstancesQuery = z.strictObject({
  /** Start of the window; default: now. */
  from: Timestamp.optional(),
  /** End of the window; default: `from` + 90 days; at most 366 days after `from`. */
  to: Timestamp.optional(),
});

export const EventInstance = z
  .object({
    eventId: EventId,
    startsAt: Timestamp,
    endsAt: Timestamp,
  })
  .meta({ id: 'EventInstance' });
export type EventInstance = z.infer<typeof EventInstance>;

export const EventInstanceList = z.object({
  instances: z.array(EventInstance),
  /** True when more than `maxInstances` fell into the window and the list was cut. */
  truncated: z.boolean(),
});
