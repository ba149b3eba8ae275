// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { signedIn, signedOut } from '../auth/authSlice.js';
import { selectLanguage } from '../i18n/languageSlice.js';
import { renderWithStore } from '../test-support/renderWithStore.js';
import { Header } from './Header.js';

beforeEach(() => {
  vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['en-US']);
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  localStorage.clear();
});

describe('Header', () => {
  it('switching the language to German changes the texts and remembers the choice', () => {
    const { store } = renderWithStore(<Header />);
    act(() => {
      store.dispatch(signedIn({ name: 'Alice' }));
    });
    expect(screen.getByText('Signed in as Alice')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeTruthy();

    fireEvent.change(screen.getByRole('combobox', { name: 'Language' }), { target: { value: 'de' } });

    expect(selectLanguage(store.getState())).toBe('de');
    expect(screen.getByText('Angemeldet als Alice')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Abmelden' })).toBeTruthy();
    expect(screen.getByRole<HTMLSelectElement>('combobox', { name: 'Sprache' }).value).toBe('de');
    expect(screen.queryByText('Signed in as Alice')).toBeNull();
    expect(localStorage.getItem('plenum.language')).toBe('de');
  });

  it('switches back to English', () => {
    renderWithStore(<Header />);
    const select = screen.getByRole('combobox', { name: 'Language' });
    fireEvent.change(select, { target: { value: 'de' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Sprache' }), { target: { value: 'en' } });
    expect(screen.getByRole('combobox', { name: 'Language' })).toBeTruthy();
    expect(localStorage.getItem('plenum.language')).toBe('en');
  });

  it('offers sign-in when signed out and nothing while the session is unknown', () => {
    const { store } = renderWithStore(<Header />);
    expect(screen.queryByRole('button')).toBeNull();
    act(() => {
      store.dispatch(signedOut());
    });
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(screen.queryByText(/Signed in as/)).toBeNull();
  });

  it('shows a hostile display name as text', () => {
    const { store, container } = renderWithStore(<Header />);
    act(() => {
      store.dispatch(signedIn({ name: '<img src=x onerror="window.__xss=1">' }));
    });
    expect(screen.getByText('Signed in as <img src=x onerror="window.__xss=1">')).toBeTruthy();
    expect(container.querySelector('img')).toBeNull();
  });
});
