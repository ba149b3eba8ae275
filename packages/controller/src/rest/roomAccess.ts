import type { RoomId, UserId } from '@plenum/protocol';
import { forbidden, notFound } from '../http/apiError.js';
import type { RoomRepository, StoredRoom } from '../repositories/rooms.js';

/** Loads a room or fails with 404 `room_not_found`. */
export async function findRoom(rooms: RoomRepository, roomId: RoomId): Promise<StoredRoom> {
  const room = await rooms.get(roomId);
  if (!room) throw notFound('room_not_found', 'room');
  return room;
}

/** Loads a room the caller owns: 404 when missing, 403 `not_room_owner` when someone else's. */
export async function findOwnedRoom(rooms: RoomRepository, roomId: RoomId, userId: UserId): Promise<StoredRoom> {
  const room = await findRoom(rooms, roomId);
  if (room.ownerId !== userId) throw forbidden('not_room_owner', 'only the room owner may do this');
  return room;
}
