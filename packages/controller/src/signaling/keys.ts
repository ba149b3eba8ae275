/**
 * Every key Plenum writes to the volatile store, built in one place. All keys of a room share
 * the prefix `roomPrefix(roomId)`, so closing a room can remove them in one sweep.
 */
export const keys = {
  roomPrefix: (roomId: string) => `plenum:room:${roomId}:`,
  /** Hash: participant ID → participant record (JSON). */
  participants: (roomId: string) => `plenum:room:${roomId}:participants`,
  /** Set of user IDs banned for the life of the room. */
  bans: (roomId: string) => `plenum:room:${roomId}:bans`,
  /** Set of user IDs made moderator during this meeting. */
  moderators: (roomId: string) => `plenum:room:${roomId}:moderators`,
  /** Lock serialising joins and leaves of a room across controllers (outside the room prefix). */
  roomLock: (roomId: string) => `plenum:lock:room:${roomId}`,
  /** A module's own key within the room. */
  module: (roomId: string, namespace: string, name: string) => `plenum:room:${roomId}:${namespace}:${name}`,
  /** Resumption token (hashed) → participant to resume; expires after the resumption window. */
  resumption: (tokenHash: string) => `plenum:resumption:${tokenHash}`,
  /** Guest token (hashed) → guest identity; expires with the token. */
  guestToken: (tokenHash: string) => `plenum:guest-token:${tokenHash}`,
  /** Signaling ticket (hashed) → grant; single use. */
  ticket: (ticketHash: string) => `plenum:ticket:${ticketHash}`,
  /** Liveness of a controller; expires unless refreshed. */
  controller: (controllerId: string) => `plenum:controller:${controllerId}`,
  /** Set of rooms with participants, for the dead-controller sweep. */
  activeRooms: () => 'plenum:active-rooms',
} as const;
