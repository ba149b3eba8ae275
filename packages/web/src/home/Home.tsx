import { useAppSelector } from '../app/hooks.js';
import { selectAuthError, selectAuthStatus } from '../auth/authSlice.js';
import { signIn } from '../auth/signIn.js';
import { useT } from '../i18n/useT.js';
import { EventSection } from './EventSection.js';
import { RoomSection } from './RoomSection.js';

export function Home() {
  const t = useT();
  const status = useAppSelector(selectAuthStatus);
  const error = useAppSelector(selectAuthError);
  if (status !== 'signedIn') {
    return (
      <main className="centered welcome">
        <h1>{t('appName')}</h1>
        <p>{t('tagline')}</p>
        {error !== null && <p role="alert">{t('signInFailed', { reason: error })}</p>}
        <button type="button" className="primary" onClick={() => void signIn()}>
          {t('signIn')}
        </button>
      </main>
    );
  }
  return (
    <main className="home">
      <RoomSection />
      <EventSection />
    </main>
  );
}
