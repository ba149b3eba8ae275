import { describe, expect, it } from 'vitest';
import { de, en, type MessageKey } from './messages.js';
import { translate } from './useT.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const keys = Object.keys(en) as MessageKey[];

describe('translate', () => {
  it('fills placeholders in the chosen language', () => {
    expect(translate('en', 'signedInAs', { name: 'Alice' })).toBe('Signed in as Alice');
    expect(translate('de', 'signedInAs', { name: 'Alice' })).toBe('Angemeldet als Alice');
    expect(translate('de', 'unread', { count: 3 })).toBe('3 ungelesen');
  });

  it('returns the text unchanged without values and leaves unknown placeholders in place', () => {
    expect(translate('en', 'signedInAs')).toBe('Signed in as {name}');
    expect(translate('en', 'signedInAs', { other: 'x' })).toBe('Signed in as {name}');
  });

  it('inserts values verbatim and does not expand placeholders inside them', () => {
    expect(translate('en', 'errorGeneric', { reason: '{reason} <b>$&</b>' })).toBe('Something went wrong: {reason} <b>$&</b>');
  });
});

describe('dictionaries', () => {
  it('German has exactly the English keys', () => {
    expect(Object.keys(de).sort()).toEqual([...keys].sort());
  });

  it.each(keys)('%s is translated, not empty, with the same placeholders', (key) => {
    expect(de[key].trim()).not.toBe('');
    expect(en[key].trim()).not.toBe('');
    expect(placeholders(de[key])).toEqual(placeholders(en[key]));
  });
});
