import { z } from 'zod';
import { UserId } from '../ids.js';
import { DisplayName, Timestamp } from './common.js';

/** The signed-in user as the API shows them to themselves. */
export const User = z
  .object({
    id: UserId,
    displayName: DisplayName,
    email: z.string().nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof User>;

export const PatchMeBody = z.strictObject({
  displayName: DisplayName.optional(),
});
export type PatchMeBody = z.infer<typeof PatchMeBody>;
