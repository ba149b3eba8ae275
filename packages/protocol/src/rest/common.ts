import { z } from 'zod';

/** An RFC 3339 timestamp with offset, e.g. `2026-11-24T09:00:00+01:00`. */
export const Timestamp = z.iso.datetime({ offset: true });

/** User-visible names: trimmed, 1–100 characters, no control characters. */
export const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

export const VideoCodec = z.enum(['vp8', 'vp9', 'av1']);
export type VideoCodec = z.infer<typeof VideoCodec>;
