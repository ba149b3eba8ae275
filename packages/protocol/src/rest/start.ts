import { z } from 'zod';
import { InviteCode, Ticket } from '../ids.js';
import { DisplayName } from './common.js';
import { RoomPassword } from './rooms.js';

export const StartRoomBody = z.strictObject({
  password: RoomPassword.optional(),
  /** Overrides the profile's display name for this meeting. */
  displayName: DisplayName.optional(),
});
export type StartRoomBody = z.infer<typeof StartRoomBody>;

export const StartInvitedBody = z.strictObject({
  inviteCode: InviteCode,
  displayName: DisplayName,
  password: RoomPassword.optional(),
});
export type StartInvitedBody = z.infer<typeof StartInvitedBody>;

/**
 * A single-use ticket for the signaling socket (offered as subprotocol `ticket#<ticket>`).
 * It expires `expiresIn` seconds after issue.
 */
export const StartResponse = z
  .object({
    ticket: Ticket,
    expiresIn: z.number().int(),
  })
  .meta({ id: 'Ticket' });
export type StartResponse = z.infer<typeof StartResponse>;
