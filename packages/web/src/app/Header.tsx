import { useAppDispatch, useAppSelector } from './hooks.js';
import { auth } from '../auth/oidc.js';
import { selectAuthStatus, selectMyName } from '../auth/authSlice.js';
import { languageChosen, languages, saveLanguage, selectLanguage, type Language } from '../i18n/languageSlice.js';
import { useT } from '../i18n/useT.js';
import { navigate } from './router.js';
import { signIn } from '../auth/signIn.js';

const languageNames: Record<Language, string> = { en: 'English', de: 'Deutsch' };

export function Header() {
  const t = useT();
  const dispatch = useAppDispatch();
  const language = useAppSelector(selectLanguage);
  const status = useAppSelector(selectAuthStatus);
  const name = useAppSelector(selectMyName);
  return (
    <header className="app-header">
      <a
        className="brand"
        href="/"
        onClick={(event) => {
          event.preventDefault();
          navigate('/');
        }}
      >
        {t('appName')}
      </a>
      <div className="header-actions">
        <label>
          <span className="visually-hidden">{t('language')}</span>
          <select
            aria-label={t('language')}
            value={language}
            onChange={(event) => {
              const chosen = languages.find((l) => l === event.target.value) ?? 'en';
              saveLanguage(chosen);
              dispatch(languageChosen(chosen));
            }}
          >
            {languages.map((l) => (
              <option key={l} value={l}>
                {languageNames[l]}
              </option>
            ))}
          </select>
        </label>
        {status === 'signedIn' && name !== null && <span className="who">{t('signedInAs', { name })}</span>}
        {status === 'signedIn' && (
          <button type="button" onClick={() => void signOut()}>
            {t('signOut')}
          </button>
        )}
        {status === 'signedOut' && (
          <button type="button" onClick={() => void signIn()}>
            {t('signIn')}
          </button>
        )}
      </div>
    </header>
  );
}

/**
 * Ends the session at the provider too; everything the app kept goes with the page. No ID token
 * as a hint: tokens stay out of URLs, so the provider asks for confirmation instead.
 */
async function signOut(): Promise<void> {
  const manager = auth();
  await manager.removeUser();
  window.sessionStorage.clear();
  await manager.signoutRedirect({ id_token_hint: undefined });
}
