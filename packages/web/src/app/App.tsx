import { ClientConfig } from '@plenum/protocol';
import { useEffect, useState } from 'react';
import { apiRequest, failureText } from '../api/rest.js';
import { AuthCallback } from '../auth/AuthCallback.js';
import { signedIn, signedOut } from '../auth/authSlice.js';
import { createAuth, displayNameOf } from '../auth/oidc.js';
import { GuestPage } from '../conference/GuestPage.js';
import { RoomPage } from '../conference/RoomPage.js';
import { Home } from '../home/Home.js';
import { useT } from '../i18n/useT.js';
import { setClientConfig } from './clientConfig.js';
import { Header } from './Header.js';
import { useAppDispatch, useAppSelector } from './hooks.js';
import { parseRoute, usePathname } from './router.js';
import { selectLanguage } from '../i18n/languageSlice.js';

/** Loads the sign-in settings, restores this tab's session, then shows the screen for the URL. */
export function App() {
  const t = useT();
  const dispatch = useAppDispatch();
  const language = useAppSelector(selectLanguage);
  const pathname = usePathname();
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  useEffect(() => {
    const effect = { cancelled: false };
    void (async () => {
      try {
        const config = await apiRequest('/client_config', { schema: ClientConfig });
        setClientConfig(config);
        const manager = createAuth(config);
        manager.events.addUserLoaded((user) => {
          dispatch(signedIn({ name: displayNameOf(user) }));
        });
        manager.events.addUserSignedOut(() => {
          dispatch(signedOut());
        });
        manager.events.addAccessTokenExpired(() => {
          dispatch(signedOut());
        });
        const user = await manager.getUser();
        if (user && !user.expired) dispatch(signedIn({ name: displayNameOf(user) }));
        else dispatch(signedOut());
        if (!effect.cancelled) setReady(true);
      } catch (cause) {
        if (!effect.cancelled) setError(failureText(cause));
      }
    })();
    return () => {
      effect.cancelled = true;
    };
  }, [dispatch]);

  if (error !== null) {
    return (
      <main className="centered">
        <p role="alert">{t('errorGeneric', { reason: error })}</p>
      </main>
    );
  }
  if (!ready) {
    return (
      <main className="centered">
        <p>{t('loading')}</p>
      </main>
    );
  }
  const route = parseRoute(pathname);
  return (
    <>
      <Header />
      {route.name === 'home' && <Home />}
      {route.name === 'callback' && <AuthCallback />}
      {route.name === 'room' && <RoomPage key={route.roomId} roomId={route.roomId} />}
      {route.name === 'invite' && <GuestPage key={route.code} code={route.code} />}
      {route.name === 'notFound' && <Home />}
    </>
  );
}
