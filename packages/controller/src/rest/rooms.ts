import { CreateRoomBody, ErrorBody, PatchRoomBody, Room, RoomIdParams, RoomList } from '@plenum/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../http/apiError.js';
import { caller } from '../identity/authentication.js';
import { publicRoom } from '../repositories/rooms.js';
import { hashPassword } from '../security/password.js';
import type { Services } from '../services.js';
import { findOwnedRoom, findRoom } from './roomAccess.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const roomRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  const { rooms } = services;

  app.get('/rooms', { schema: { tags: ['rooms'], summary: 'Rooms I own', response: { 200: RoomList, ...errors } } }, async (request) =>
    (await rooms.listOwnedBy(caller(request).userId)).map(publicRoom),
  );

  app.post(
    '/rooms',
    { schema: { tags: ['rooms'], summary: 'Create a room', body: CreateRoomBody, response: { 201: Room, ...errors } } },
    async (request, reply) => {
      const { name, password, waitingRoom, videoCodec } = request.body;
      const room = await rooms.create({
        ownerId: caller(request).userId,
        name,
        passwordHash: password === undefined ? null : await hashPassword(password),
        waitingRoom,
        videoCodec,
      });
      return reply.code(201).send(publicRoom(room));
    },
  );

  app.get(
    '/rooms/:roomId',
    { schema: { tags: ['rooms'], summary: 'A room (any signed-in user)', params: RoomIdParams, response: { 200: Room, ...errors } } },
    async (request) => publicRoom(await findRoom(rooms, request.params.roomId)),
  );

  app.patch(
    '/rooms/:roomId',
    {
      schema: {
        tags: ['rooms'],
        summary: 'Change a room (owner only)',
        params: RoomIdParams,
        body: PatchRoomBody,
        response: { 200: Room, ...errors },
      },
    },
    async (request) => {
      const { roomId } = request.params;
      await findOwnedRoom(rooms, roomId, caller(request).userId);
      const { password, ...rest } = request.body;
      const passwordHash = password === undefined ? undefined : password === null ? null : await hashPassword(password);
      const updated = await rooms.update(roomId, { ...rest, ...(passwordHash === undefined ? {} : { passwordHash }) });
      // Deleted between the ownership check and the update: simply gone.
      if (!updated) throw notFound('room_not_found', 'room');
      return publicRoom(updated);
    },
  );

  app.delete(
    '/rooms/:roomId',
    {
      schema: {
        tags: ['rooms'],
        summary: 'Delete a room with its events and invites (owner only)',
        params: RoomIdParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { roomId } = request.params;
      await findOwnedRoom(rooms, roomId, caller(request).userId);
      await rooms.delete(roomId);
      return reply.code(204).send(null);
    },
  );
};
