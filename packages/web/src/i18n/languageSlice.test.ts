// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeStore } from '../app/store.js';
import { initialLanguage, languageChosen, languageSlice, saveLanguage, selectLanguage } from './languageSlice.js';

function browserLanguages(...tags: string[]): void {
  vi.spyOn(navigator, 'languages', 'get').mockReturnValue(tags);
}

afterEach(() => {
  vi.restoreAllMocks();
  localStorage.clear();
});

describe('initialLanguage', () => {
  it('follows the browser: the first supported language wins, region and case ignored', () => {
    browserLanguages('de-AT', 'en-US');
    expect(initialLanguage()).toBe('de');
    browserLanguages('fr-FR', 'EN-gb', 'de');
    expect(initialLanguage()).toBe('en');
    browserLanguages('fr', 'DE-ch');
    expect(initialLanguage()).toBe('de');
  });

  it('falls back to English when the browser offers nothing supported', () => {
    browserLanguages('fr-FR', 'it');
    expect(initialLanguage()).toBe('en');
    browserLanguages();
    expect(initialLanguage()).toBe('en');
  });

  it('prefers the saved choice over the browser, and ignores a tampered saved value', () => {
    browserLanguages('en-US');
    saveLanguage('de');
    expect(initialLanguage()).toBe('de');
    localStorage.setItem('plenum.language', '<script>');
    expect(initialLanguage()).toBe('en');
  });

  it('a new store starts in the initial language', () => {
    browserLanguages('de-DE');
    const store = makeStore();
    expect(selectLanguage(store.getState())).toBe('de');
    store.dispatch(languageChosen('en'));
    expect(selectLanguage(store.getState())).toBe('en');
  });

  it('languageChosen switches the language', () => {
    browserLanguages('en');
    const state = languageSlice.reducer(undefined, languageChosen('de'));
    expect(state.current).toBe('de');
  });
});
