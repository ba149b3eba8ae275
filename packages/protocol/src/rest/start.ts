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

/**
 * A guest's ticket comes with a guest token: it stands in for the access token on the
 * signaling socket and must be refreshed before `guestTokenExpiresAt`.
 */
export const StartInvitedResponse = StartResponse.extend({
  guestToken: z.string(),
  guestTokenExpiresAt: z.iso.datetime(),
}).meta({ id: 'GuestTicket' });
export type StartInvitedResponse = z.infer<typeof StartInvitedResponse>;

export const RefreshGuestTokenBody = z.strictObject({ guestToken: z.string().min(1).max(100) });

export const GuestTokenResponse = z.object({ guestToken: z.string(), guestTokenExpiresAt: z.iso.datetime() }).meta({ id: 'GuestToken' });
export type GuestTokenResponse = z.infer<typeof GuestTokenResponse>;
