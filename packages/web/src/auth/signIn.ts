import { auth, type SignInState } from './oidc.js';

/** Off to the provider's login page; back to where the user was afterwards. */
export async function signIn(): Promise<void> {
  const state: SignInState = { returnTo: window.location.pathname };
  await auth().signinRedirect({ state });
}
