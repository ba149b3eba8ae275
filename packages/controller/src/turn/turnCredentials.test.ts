import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { turnCredentials } from './turnCredentials.js';

describe('turnCredentials()', () => {
  it('names the expiry in unix seconds and the participant in the username', () => {
    expect(turnCredentials('s3cret', 'p-1', 1_700_000_000_999).username).toBe('1700000000:p-1');
  });

  it('signs the username with HMAC-SHA1 of the secret, base64-encoded', () => {
    const { username, credential } = turnCredentials('s3cret', 'p-1', 1_700_000_000_000);
    expect(credential).toBe(createHmac('sha1', 's3cret').update(username).digest('base64'));
    // A fixed vector, computed independently: printf '1700000000:p-1' | openssl dgst -sha1 -hmac s3cret -binary | base64
    expect(credential).toBe('V81qMsjxdvbPWLGGBYFwIkQXSi0=');
  });

  it('gives different credentials for another secret, participant or expiry', () => {
    const base = turnCredentials('a', 'p', 1_000_000).credential;
    expect(turnCredentials('b', 'p', 1_000_000).credential).not.toBe(base);
    expect(turnCredentials('a', 'q', 1_000_000).credential).not.toBe(base);
    expect(turnCredentials('a', 'p', 2_000_000).credential).not.toBe(base);
  });

  it('refuses an empty secret or participant and an expiry that is not a time', () => {
    expect(() => turnCredentials('', 'p', 1)).toThrow(RangeError);
    expect(() => turnCredentials('s', '', 1)).toThrow(RangeError);
    expect(() => turnCredentials('s', 'p', Number.NaN)).toThrow(RangeError);
  });
});
