import type { IncomingMessage } from 'node:http';
import formBody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { devPasswordMatches, findDevAccount } from './accounts.js';
import { renderLoginPage } from './loginPage.js';

export interface DevProviderPluginOptions {
  provider: Provider;
  /** Mount path, the issuer URL's path, e.g. `/idp`. */
  mountPath: string;
  password: string;
}

const LoginForm = z.object({ username: z.string().max(100), password: z.string().max(200) });
const InteractionParams = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

interface MountedRequest extends IncomingMessage {
  /** Read by oidc-provider to work out where it is mounted. */
  originalUrl?: string;
}

/**
 * Serves the dev provider under its mount path: oidc-provider's own endpoints, plus the
 * sign-in interaction (a password form for the seeded users, consent granted automatically
 * because the web app is first-party).
 */
export async function devProviderPlugin(app: FastifyInstance, options: DevProviderPluginOptions): Promise<void> {
  const { provider, mountPath } = options;
  const callback = provider.callback();

  // oidc-provider reads request bodies itself, so this scope must not consume them.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const forward = (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      const raw: MountedRequest = request.raw;
      raw.originalUrl = raw.url;
      raw.url = (raw.url ?? '/').slice(mountPath.length) || '/';
      void callback(raw, reply.raw);
    };
    scope.all(`${mountPath}/*`, { config: { public: true } }, forward);
  });

  await app.register(async (scope) => {
    await scope.register(formBody, { bodyLimit: 4096 });

    scope.get(`${mountPath}/interaction/:uid`, { config: { public: true } }, async (request, reply) => {
      const { uid } = InteractionParams.parse(request.params);
      const details = await provider.interactionDetails(request.raw, reply.raw);
      if (details.uid !== uid) return reply.code(400).send({ code: 'invalid_request', message: 'interaction mismatch' });
      if (details.prompt.name === 'login') {
        const client = await provider.Client.find(String(details.params.client_id));
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(renderLoginPage({ action: `${mountPath}/interaction/${uid}/login`, clientName: client?.clientName ?? 'Plenum' }));
      }
      // Consent: the only client is the first-party web app, so grant what it asked for.
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session?.accountId ?? '', clientId: String(details.params.client_id) });
      if (!grant) throw new Error('grant of the interaction vanished');
      const missing = details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      reply.hijack();
      await provider.interactionFinished(request.raw, reply.raw, { consent: { grantId } }, { mergeWithLastSubmission: true });
    });

    scope.post(`${mountPath}/interaction/:uid/login`, { config: { public: true } }, async (request, reply) => {
      const { uid } = InteractionParams.parse(request.params);
      const form = LoginForm.safeParse(request.body);
      const details = await provider.interactionDetails(request.raw, reply.raw);
      if (details.uid !== uid || details.prompt.name !== 'login') {
        return reply.code(400).send({ code: 'invalid_request', message: 'interaction mismatch' });
      }
      const account = form.success ? findDevAccount(form.data.username) : undefined;
      if (!form.success || !account || !devPasswordMatches(form.data.password, options.password)) {
        const client = await provider.Client.find(String(details.params.client_id));
        return reply
          .code(401)
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(
            renderLoginPage({
              action: `${mountPath}/interaction/${uid}/login`,
              clientName: client?.clientName ?? 'Plenum',
              username: form.success ? form.data.username : '',
              error: 'Unknown user name or wrong password.',
            }),
          );
      }
      reply.hijack();
      await provider.interactionFinished(request.raw, reply.raw, { login: { accountId: account.username } }, {
        mergeWithLastSubmission: false,
      });
    });
  });
}
