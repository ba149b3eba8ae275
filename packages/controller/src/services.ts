import type { Config } from './config/config.js';
import type { Database } from './db/database.js';
import type { EventRepository } from './repositories/events.js';
import type { InviteRepository } from './repositories/invites.js';
import type { RoomRepository } from './repositories/rooms.js';
import type { UserRepository } from './repositories/users.js';
import type { GuestTokens } from './signaling/guestTokens.js';
import type { VolatileStore } from './state/volatileStore.js';
import type { TicketStore } from './tickets/ticketStore.js';

/** What route handlers may reach. Handlers get this, never module-level singletons. */
export interface Services {
  config: Config;
  db: Database;
  users: UserRepository;
  rooms: RoomRepository;
  invites: InviteRepository;
  events: EventRepository;
  tickets: TicketStore;
  store: VolatileStore;
  guestTokens: GuestTokens;
}
