import { createSlice, type PayloadAction } from '@reduxjs/toolkit';

export const languages = ['en', 'de'] as const;
export type Language = (typeof languages)[number];

const storageKey = 'plenum.language';

/** The saved choice, else the browser's language, else English. */
export function initialLanguage(): Language {
  const saved = localStorage.getItem(storageKey);
  if (saved === 'en' || saved === 'de') return saved;
  const preferred = navigator.languages;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'de' || base === 'en') return base;
  }
  return 'en';
}

export const languageSlice = createSlice({
  name: 'language',
  initialState: () => ({ current: initialLanguage() }),
  reducers: {
    languageChosen(state, action: PayloadAction<Language>) {
      state.current = action.payload;
    },
  },
  selectors: { selectLanguage: (state) => state.current },
});

export const { languageChosen } = languageSlice.actions;
export const { selectLanguage } = languageSlice.selectors;

/** Only the user's own preference is stored in the browser. */
export function saveLanguage(language: Language): void {
  localStorage.setItem(storageKey, language);
}
