import { GuestTokenResponse, StartInvitedResponse, StartResponse } from '@plenum/protocol';
import { apiRequest } from '../api/rest.js';
import { accessToken } from '../auth/oidc.js';

/** How this participant enters: as a signed-in user, or as a guest with an invite. */
export type Entry =
  | { kind: 'user'; roomId: string; displayName: string; password?: string }
  | { kind: 'guest'; roomId: string; displayName: string; password?: string; inviteCode: string };

export interface Ticket {
  ticket: string;
  /** Guests: the token that stands in for an access token, and when it expires. */
  guest?: { token: string; expiresAt: number };
}

/** A single-use signaling ticket from `/start` (users) or `/start_invited` (guests). */
export async function requestTicket(entry: Entry): Promise<Ticket> {
  const room = encodeURIComponent(entry.roomId);
  const password = entry.password ? { password: entry.password } : {};
  if (entry.kind === 'user') {
    const response = await apiRequest(`/rooms/${room}/start`, {
      method: 'POST',
      token: await accessToken(),
      body: { displayName: entry.displayName, ...password },
      schema: StartResponse,
    });
    return { ticket: response.ticket };
  }
  const response = await apiRequest(`/rooms/${room}/start_invited`, {
    method: 'POST',
    body: { inviteCode: entry.inviteCode, displayName: entry.displayName, ...password },
    schema: StartInvitedResponse,
  });
  return { ticket: response.ticket, guest: { token: response.guestToken, expiresAt: Date.parse(response.guestTokenExpiresAt) } };
}

export async function refreshGuestToken(roomId: string, guestToken: string): Promise<{ token: string; expiresAt: number }> {
  const response = await apiRequest(`/rooms/${encodeURIComponent(roomId)}/guest_token`, {
    method: 'POST',
    body: { guestToken },
    schema: GuestTokenResponse,
  });
  return { token: response.guestToken, expiresAt: Date.parse(response.guestTokenExpiresAt) };
}
