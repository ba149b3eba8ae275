import { ClientConfig } from '@plenum/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Offline-access refresh tokens outlive a meeting; the web client asks only for what it shows. */
const webClientScope = 'openid profile email';

export const clientConfigRoutes: FastifyPluginAsyncZod<{ issuer: string; clientId: string; video: ClientConfig['video'] }> = async (app, options) => {
  app.get(
    '/client_config',
    {
      config: { public: true },
      schema: { tags: ['client'], summary: 'Sign-in settings for the web client', security: [], response: { 200: ClientConfig } },
    },
    async () => ({ oidc: { issuer: options.issuer, clientId: options.clientId, scope: webClientScope }, video: options.video }),
  );
};
