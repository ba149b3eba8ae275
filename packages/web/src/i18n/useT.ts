import { useCallback } from 'react';
import { useAppSelector } from '../app/hooks.js';
import { selectLanguage, type Language } from './languageSlice.js';
import { de, en, type MessageKey } from './messages.js';

const dictionaries: Record<Language, Record<MessageKey, string>> = { en, de };

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** Fills `{name}` placeholders; values are plain text and rendered by React as text. */
export function translate(language: Language, key: MessageKey, values?: Record<string, string | number>): string {
  const template = dictionaries[language][key];
  if (!values) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export function useT(): Translate {
  const language = useAppSelector(selectLanguage);
  return useCallback((key, values) => translate(language, key, values), [language]);
}
