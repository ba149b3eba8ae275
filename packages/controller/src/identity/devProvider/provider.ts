import Provider, { errors as oidcErrors, type Configuration } from 'oidc-provider';
import { exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { randomToken } from '../../security/randomToken.js';
import { findDevAccount } from './accounts.js';
import { renderLoggedOutPage, renderLogoutPage } from './logoutPage.js';

export interface DevProviderOptions {
  /** Issuer URL, e.g. `http://localhost:8080/idp`; its path is where the provider is mounted. */
  issuer: string;
  /** Base URL of the web app; its `/auth/callback` is the client's redirect URI. */
  publicUrl: string;
  /** `aud` of issued access tokens; the controller requires the same. */
  audience: string;
  /** Client ID of the web app. */
  clientId: string;
  /** Honour `X-Forwarded-*` headers. */
  trustProxy: boolean;
  /** Access-token lifetime in seconds. Default 300. */
  accessTokenTtlSeconds?: number;
}

/** The resource indicator under which the controller's API is known to the dev provider. */
export const apiResource = 'urn:plenum:api';

/**
 * The built-in development identity provider: a real OpenID Connect provider (oidc-provider)
 * with three seeded users, a public client for the web app (Authorization Code + PKCE),
 * refresh tokens, and JWT access tokens for the controller's audience. State is in memory:
 * a restart signs everybody out.
 */
export async function createDevProvider(options: DevProviderOptions): Promise<{ provider: Provider; publicKeys: JSONWebKeySet }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const kid = randomToken(8);
  const signingKey = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  // The controller checks tokens against these in-process: no request to its own URL, which
  // behind a self-signed certificate or a NAT it may not be able to reach.
  const publicKeys: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };

  const configuration: Configuration = {
    clients: [
      {
        client_id: options.clientId,
        client_name: 'Plenum web app',
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`${options.publicUrl}/auth/callback`],
        post_logout_redirect_uris: [`${options.publicUrl}/`],
      },
    ],
    async findAccount(_ctx, sub) {
      const account = findDevAccount(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          name: account.name,
          preferred_username: account.username,
          email: account.email,
          email_verified: true,
        }),
      };
    },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    interactions: {
      url: (_ctx, interaction) => `${new URL(options.issuer).pathname}/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // Own pages: the defaults pull web fonts from another host, which the CSP (rightly) blocks.
        logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = renderLogoutPage(form);
        },
        postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = renderLoggedOutPage();
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => apiResource,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, indicator) {
          if (indicator !== apiResource) throw new oidcErrors.InvalidTarget();
          return {
            scope: 'openid profile email offline_access',
            audience: options.audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: options.accessTokenTtlSeconds ?? 300,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    pkce: { required: () => true },
    // The web app refreshes silently; it need not ask for offline_access to get a refresh token.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // The controller learns names from the access token, as it would from Keycloak's.
    extraTokenClaims(_ctx, token) {
      if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
      const account = findDevAccount(token.accountId);
      return account && { name: account.name, preferred_username: account.username, email: account.email, email_verified: true };
    },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds ?? 300,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 8 * 3600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
    cookies: { keys: [randomToken(32)] },
    jwks: { keys: [signingKey] },
  };

  const provider = new Provider(options.issuer, configuration);
  provider.proxy = options.trustProxy;
  return { provider, publicKeys };
}
