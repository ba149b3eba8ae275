import { z } from 'zod';

/** Identifiers are branded so a RoomId can never be passed where a UserId is expected. */
export const UserId = z.uuid().brand<'UserId'>();
export type UserId = z.infer<typeof UserId>;

export const RoomId = z.uuid().brand<'RoomId'>();
export type RoomId = z.infer<typeof RoomId>;

export const EventId = z.uuid().brand<'EventId'>();
export type EventId = z.infer<typeof EventId>;

/** Invite codes are random, URL-safe, 22 characters (128 bits). */
export const InviteCode = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22}$/, 'must be a 22-character invite code')
  .brand<'InviteCode'>();
export type InviteCode = z.infer<typeof InviteCode>;

/** Single-use signaling tickets are random, URL-safe, 43 characters (256 bits). */
export const Ticket = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a 43-character ticket')
  .brand<'Ticket'>();
export type Ticket = z.infer<typeof Ticket>;
