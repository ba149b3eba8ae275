import { z } from 'zod';
import { InviteCode, RoomId, UserId } from '../ids.js';
import { Timestamp } from './common.js';

export const Invite = z
  .object({
    code: InviteCode,
    roomId: RoomId,
    createdBy: UserId,
    createdAt: Timestamp,
    /** `null`: never expires. */
    expiresAt: Timestamp.nullable(),
    /** `null`: unlimited. */
    maxUses: z.number().int().nullable(),
    uses: z.number().int(),
  })
  .meta({ id: 'Invite' });
export type Invite = z.infer<typeof Invite>;

export const CreateInviteBody = z.strictObject({
  /** Defaults to never. Must lie in the future. */
  expiresAt: Timestamp.optional(),
  maxUses: z.number().int().min(1).max(100_000).optional(),
});
export type CreateInviteBody = z.infer<typeof CreateInviteBody>;

export const InviteList = z.array(Invite);

/** What anyone holding a valid invite code may learn: which room, and whether it needs a password. */
export const InviteVerification = z
  .object({
    roomId: RoomId,
    roomName: z.string(),
    passwordRequired: z.boolean(),
  })
  .meta({ id: 'InviteVerification' });
export type InviteVerification = z.infer<typeof InviteVerification>;

export const InviteCodeParams = z.strictObject({ code: InviteCode });
export const RoomInviteParams = z.strictObject({ roomId: RoomId, code: InviteCode });
