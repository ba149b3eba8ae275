import {
  CreateInviteBody,
  ErrorBody,
  Invite,
  InviteCodeParams,
  InviteList,
  InviteVerification,
  RoomIdParams,
  RoomInviteParams,
} from '@plenum/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError, badRequest, notFound } from '../http/apiError.js';
import { caller } from '../identity/authentication.js';
import type { InviteProblem } from '../repositories/invites.js';
import type { Services } from '../services.js';
import { signInRateLimit } from './rateLimit.js';
import { findOwnedRoom, findRoom } from './roomAccess.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 410: ErrorBody, 429: ErrorBody };

const problemText: Record<InviteProblem, [number, string]> = {
  invite_not_found: [404, 'invite not found'],
  invite_revoked: [410, 'this invite has been revoked'],
  invite_expired: [410, 'this invite has expired'],
  invite_exhausted: [410, 'this invite has been used up'],
};

/** The API error for an unusable invite. */
export function inviteError(problem: InviteProblem): ApiError {
  const [status, message] = problemText[problem];
  return new ApiError(status, problem, message);
}

export const inviteRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  const { rooms, invites } = services;

  app.post(
    '/rooms/:roomId/invites',
    {
      schema: {
        tags: ['invites'],
        summary: 'Create an invite link code (room owner only)',
        params: RoomIdParams,
        body: CreateInviteBody,
        response: { 201: Invite, ...errors },
      },
    },
    async (request, reply) => {
      const { userId } = caller(request);
      const room = await findOwnedRoom(rooms, request.params.roomId, userId);
      const expiresAt = request.body.expiresAt === undefined ? null : new Date(request.body.expiresAt);
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw badRequest('invalid_time_range', 'expiresAt must lie in the future');
      const invite = await invites.create({ roomId: room.id, createdBy: userId, expiresAt, maxUses: request.body.maxUses ?? null });
      return reply.code(201).send(invite);
    },
  );

  app.get(
    '/rooms/:roomId/invites',
    {
      schema: { tags: ['invites'], summary: "A room's active invites (room owner only)", params: RoomIdParams, response: { 200: InviteList, ...errors } },
    },
    async (request) => {
      const room = await findOwnedRoom(rooms, request.params.roomId, caller(request).userId);
      return invites.listForRoom(room.id);
    },
  );

  app.delete(
    '/rooms/:roomId/invites/:code',
    {
      schema: { tags: ['invites'], summary: 'Revoke an invite (room owner only)', params: RoomInviteParams, response: { 204: z.null(), ...errors } },
    },
    async (request, reply) => {
      const room = await findOwnedRoom(rooms, request.params.roomId, caller(request).userId);
      if (!(await invites.revoke(room.id, request.params.code))) throw notFound('invite_not_found', 'invite');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/invites/:code',
    {
      config: { public: true, ...signInRateLimit(services) },
      schema: {
        tags: ['invites'],
        summary: 'Check an invite code (no sign-in: the code is the credential)',
        params: InviteCodeParams,
        response: { 200: InviteVerification, ...errors },
      },
    },
    async (request) => {
      const result = await invites.verify(request.params.code);
      if (!result.ok) throw inviteError(result.problem);
      const room = await findRoom(rooms, result.invite.roomId);
      return { roomId: room.id, roomName: room.name, passwordRequired: room.hasPassword };
    },
  );
};
