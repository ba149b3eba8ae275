import { createHash, randomBytes } from 'node:crypto';

/** A URL-safe random string of `bytes` bytes of entropy (16 → 22 chars, 32 → 43 chars). */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** Secrets kept in stores are looked up by hash, so a leaked store does not leak usable secrets. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
