import {
  ErrorBody,
  GuestTokenResponse,
  InviteCode,
  RefreshGuestTokenBody,
  RoomIdParams,
  StartInvitedBody,
  StartInvitedResponse,
  StartResponse,
  StartRoomBody,
  Ticket,
} from '@plenum/protocol';
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApiError, forbidden } from '../http/apiError.js';
import { caller } from '../identity/authentication.js';
import type { StoredRoom } from '../repositories/rooms.js';
import { RoomState } from '../signaling/roomState.js';
import { verifyPassword } from '../security/password.js';
import { randomToken } from '../security/randomToken.js';
import type { Services } from '../services.js';
import type { TicketGrant } from '../tickets/ticketStore.js';
import { inviteError } from './invites.js';
import { signInRateLimit } from './rateLimit.js';
import { findRoom } from './roomAccess.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 410: ErrorBody, 429: ErrorBody };

async function checkRoomPassword(room: StoredRoom, password: string | undefined): Promise<void> {
  if (!room.passwordHash) return;
  if (password === undefined) throw forbidden('password_required', 'this room needs a password');
  if (!(await verifyPassword(password, room.passwordHash))) throw forbidden('wrong_room_password', 'wrong room password');
}

async function issueTicket(services: Services, grant: TicketGrant): Promise<StartResponse> {
  const ticket = Ticket.parse(randomToken(32));
  await services.tickets.issue(ticket, grant, services.config.ticketTtlSeconds);
  return { ticket, expiresIn: services.config.ticketTtlSeconds };
}

/**
 * Entering a room: both routes check the caller's right to the room and hand out a single-use
 * ticket for the signaling socket. The owner needs no room password; everyone else does.
 */
export const startRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  const { rooms, invites, users } = services;

  app.post(
    '/rooms/:roomId/start',
    {
      config: signInRateLimit(services),
      schema: {
        tags: ['rooms'],
        summary: 'Get a signaling ticket for a room (signed-in user)',
        params: RoomIdParams,
        body: StartRoomBody,
        response: { 200: StartResponse, ...errors },
      },
    },
    async (request) => {
      const { userId, token } = caller(request);
      const room = await findRoom(rooms, request.params.roomId);
      if (await new RoomState(services.store, room.id).isBanned(userId)) throw forbidden('banned', 'you are banned from this room');
      if (room.ownerId !== userId) await checkRoomPassword(room, request.body.password);
      const displayName = request.body.displayName ?? (await users.get(userId))?.displayName ?? token.name;
      return issueTicket(services, {
        kind: 'user',
        userId,
        issuer: token.issuer,
        subject: token.subject,
        roomId: room.id,
        displayName,
        tokenExpiresAt: token.expiresAt.toISOString(),
      });
    },
  );

  app.post(
    '/rooms/:roomId/start_invited',
    {
      config: { public: true, ...signInRateLimit(services) },
      schema: {
        tags: ['rooms'],
        summary: 'Get a signaling ticket as a guest with an invite code (no sign-in)',
        params: RoomIdParams,
        body: StartInvitedBody,
        response: { 200: StartInvitedResponse, ...errors },
      },
    },
    async (request) => {
      const { inviteCode, displayName, password } = request.body;
      const verified = await invites.verify(inviteCode);
      if (!verified.ok) throw inviteError(verified.problem);
      // An invite opens only its own room; say "not found" rather than confirm the other room.
      if (verified.invite.roomId !== request.params.roomId) throw inviteError('invite_not_found');
      const room = await findRoom(rooms, request.params.roomId);
      await checkRoomPassword(room, password);
      // Count the use only once everything else is fine, so a typo in the password costs nothing.
      const consumed = await invites.consume(inviteCode);
      if (!consumed.ok) throw inviteError(consumed.problem);
      const guestId = randomUUID();
      const guest = await services.guestTokens.issue({ guestId, roomId: room.id, inviteCode });
      const ticket = await issueTicket(services, {
        kind: 'guest',
        guestId,
        roomId: room.id,
        displayName,
        tokenExpiresAt: guest.expiresAt,
      });
      return { ...ticket, guestToken: guest.token, guestTokenExpiresAt: guest.expiresAt };
    },
  );

  app.post(
    '/rooms/:roomId/guest_token',
    {
      config: { public: true, ...signInRateLimit(services) },
      schema: {
        tags: ['rooms'],
        summary: 'Refresh a guest token (no sign-in: the current guest token is the credential)',
        params: RoomIdParams,
        body: RefreshGuestTokenBody,
        response: { 200: GuestTokenResponse, ...errors },
      },
    },
    async (request) => {
      const current = await services.guestTokens.verify(request.body.guestToken);
      if (current?.roomId !== request.params.roomId) throw new ApiError(401, 'invalid_token', 'guest token is invalid or expired');
      // The invite must still be good: revoking it ends its guests' sessions at their next refresh.
      const code = InviteCode.safeParse(current.inviteCode);
      if (!code.success) throw new ApiError(401, 'invalid_token', 'guest token is invalid or expired');
      const invite = await invites.verify(code.data);
      if (!invite.ok && invite.problem !== 'invite_exhausted') throw inviteError(invite.problem);
      const next = await services.guestTokens.issue({ guestId: current.guestId, roomId: current.roomId, inviteCode: current.inviteCode });
      return { guestToken: next.token, guestTokenExpiresAt: next.expiresAt };
    },
  );
};
