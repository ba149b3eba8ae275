import type { Role } from '@plenum/protocol';
import type { TicketGrant } from '../tickets/ticketStore.js';

/** The room as signaling needs it, loaded from the database when the socket opens. */
export interface SignalingRoom {
  id: string;
  name: string;
  ownerId: string;
  waitingRoom: boolean;
  videoCodec: 'vp8' | 'vp9' | 'av1';
}

/** The role a participant starts with: owners and granted users moderate, guests are guests. */
export function initialRole(grant: TicketGrant, room: SignalingRoom, granted: boolean): Role {
  if (grant.kind === 'guest') return 'guest';
  if (grant.userId === room.ownerId || granted) return 'moderator';
  return 'user';
}
