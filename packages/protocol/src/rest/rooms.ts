import { z } from 'zod';
import { RoomId, UserId } from '../ids.js';
import { DisplayName, Timestamp, VideoCodec } from './common.js';

/** Room passwords: 1–128 characters; stored only as a memory-hard hash. */
export const RoomPassword = z.string().min(1).max(128);

export const Room = z
  .object({
    id: RoomId,
    ownerId: UserId,
    name: DisplayName,
    /** True when joining needs the room password. The password itself is never returned. */
    hasPassword: z.boolean(),
    waitingRoom: z.boolean(),
    videoCodec: VideoCodec,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Room' });
export type Room = z.infer<typeof Room>;

export const CreateRoomBody = z.strictObject({
  name: DisplayName,
  password: RoomPassword.optional(),
  waitingRoom: z.boolean().default(false),
  videoCodec: VideoCodec.default('vp8'),
});
export type CreateRoomBody = z.infer<typeof CreateRoomBody>;

/** `password: null` removes the password. */
export const PatchRoomBody = z.strictObject({
  name: DisplayName.optional(),
  password: RoomPassword.nullable().optional(),
  waitingRoom: z.boolean().optional(),
  videoCodec: VideoCodec.optional(),
});
export type PatchRoomBody = z.infer<typeof PatchRoomBody>;

export const RoomList = z.array(Room);

export const RoomIdParams = z.strictObject({ roomId: RoomId });
