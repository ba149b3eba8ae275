/**
 * Every key Plenum writes to the volatile store, built in one place. All keys of a room share
 * the prefix `roomPrefix(roomId)`, so closing a room can remove them in one sweep.
 */
export const keys = {
  roomPrefix: (roomId: string) => `plenum:room:${roomId}:`,
  /**
   * Hash: participant ID → participant record (JSON). Outside the room prefix on purpose: the
   * cleanup when a room empties must never delete a participant who is joining right then.
   * An empty hash disappears by itself.
   */
  participants: (roomId: string) => `plenum:participants:${roomId}`,
  /** Set of user IDs banned for the life of the room. */
  bans: (roomId: string) => `plenum:room:${roomId}:bans`,
  /** Set of user IDs made moderator during this meeting. */
  moderators: (roomId: string) => `plenum:room:${roomId}:moderators`,
  /** Lock serialising changes of one participant's record across controllers. */
  participantLock: (roomId: string, participantId: string) => `plenum:lock:participant:${roomId}:${participantId}`,
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
  /**
   * Which controller runs the room's bridge (JSON claim, a lease that expires unless renewed).
   * Outside the room prefix: the bridge outlives the room's data by the grace period.
   */
  bridgeOwner: (roomId: string) => `plenum:bridge-owner:${roomId}`,
  /** Lock serialising changes of a room's bridge claim across controllers. */
  bridgeOwnerLock: (roomId: string) => `plenum:lock:bridge-owner:${roomId}`,
} as const;
