import { ErrorBody, PatchMeBody, User } from '@plenum/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { notFound } from '../http/apiError.js';
import { caller } from '../identity/authentication.js';
import type { Services } from '../services.js';

export const userRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/users/me',
    { schema: { tags: ['users'], summary: 'The signed-in user', response: { 200: User, 401: ErrorBody } } },
    async (request) => {
      const user = await services.users.get(caller(request).userId);
      if (!user) throw notFound('not_found', 'user');
      return user;
    },
  );

  app.patch(
    '/users/me',
    {
      schema: {
        tags: ['users'],
        summary: 'Change my display name',
        body: PatchMeBody,
        response: { 200: User, 400: ErrorBody, 401: ErrorBody },
      },
    },
    async (request) => {
      const { userId } = caller(request);
      const user = request.body.displayName
        ? await services.users.setDisplayName(userId, request.body.displayName)
        : await services.users.get(userId);
      if (!user) throw notFound('not_found', 'user');
      return user;
    },
  );
};
