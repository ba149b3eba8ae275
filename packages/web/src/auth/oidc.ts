import type { ClientConfig } from '@plenum/protocol';
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';

let manager: UserManager | null = null;

/** One UserManager for the app: Authorization Code + PKCE, tokens only in this tab's sessionStorage. */
export function createAuth(config: ClientConfig): UserManager {
  const origin = window.location.origin;
  manager = new UserManager({
    authority: config.oidc.issuer,
    client_id: config.oidc.clientId,
    redirect_uri: `${origin}/auth/callback`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code',
    scope: config.oidc.scope,
    automaticSilentRenew: true,
    // Renew well before expiry so the signaling socket gets the new token in time.
    accessTokenExpiringNotificationTimeInSeconds: 60,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
  return manager;
}

export function auth(): UserManager {
  if (!manager) throw new Error('sign-in is not set up yet');
  return manager;
}

/** The current access token, or null when signed out or expired. */
export async function accessToken(): Promise<string | null> {
  if (!manager) return null;
  const user = await manager.getUser();
  return user && !user.expired ? user.access_token : null;
}

export function displayNameOf(user: User): string {
  const profile = user.profile;
  return profile.name ?? profile.preferred_username ?? profile.email ?? profile.sub;
}

/** Remembers where to come back to after the provider's login page. */
export interface SignInState {
  returnTo: string;
}

export function isSignInState(value: unknown): value is SignInState {
  return typeof value === 'object' && value !== null && typeof (value as { returnTo?: unknown }).returnTo === 'string';
}
