import { useEffect, useRef, useState } from 'react';
import { useAppDispatch } from '../app/hooks.js';
import { navigate } from '../app/router.js';
import { useT } from '../i18n/useT.js';
import { signedIn } from './authSlice.js';
import { auth, displayNameOf, isSignInState } from './oidc.js';

/** The provider sends the browser here with `?code=…&state=…`; trade the code (PKCE) for tokens. */
export function AuthCallback() {
  const t = useT();
  const dispatch = useAppDispatch();
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    auth()
      .signinRedirectCallback()
      .then((user) => {
        dispatch(signedIn({ name: displayNameOf(user) }));
        const returnTo = isSignInState(user.state) && user.state.returnTo.startsWith('/') && !user.state.returnTo.startsWith('//') ? user.state.returnTo : '/';
        navigate(returnTo, { replace: true });
      })
      .catch((cause: unknown) => setError(cause instanceof Error ? cause.message : String(cause)));
  }, [dispatch]);
  return <main className="centered">{error === null ? <p>{t('signingIn')}</p> : <p role="alert">{t('signInFailed', { reason: error })}</p>}</main>;
}
