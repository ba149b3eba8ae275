import type { ParticipantId } from '@plenum/protocol';
import type { VolatileStore } from '../state/volatileStore.js';
import { keys } from '../state/keys.js';
import { ParticipantRecord } from './participantRecord.js';

/**
 * The shared state of one room in the volatile store: who is in it (or waiting), who is banned,
 * who was made moderator. Changes of one participant's record take that participant's lock;
 * joins take none, so a thousand people can enter at once. When the last one leaves, the
 * room's other keys (chat, bans, settings) are deleted: they live as long as the meeting.
 */
export class RoomState {
  readonly #store: VolatileStore;
  readonly roomId: string;

  constructor(store: VolatileStore, roomId: string) {
    this.#store = store;
    this.roomId = roomId;
  }

  async participants(): Promise<ParticipantRecord[]> {
    const all = await this.#store.hashGetAll(keys.participants(this.roomId));
    const records: ParticipantRecord[] = [];
    for (const value of Object.values(all)) {
      const parsed = ParticipantRecord.safeParse(safeJson(value));
      if (parsed.success) records.push(parsed.data);
    }
    return records.sort((a, b) => a.joinedAt.localeCompare(b.joinedAt) || a.id.localeCompare(b.id));
  }

  async get(id: ParticipantId): Promise<ParticipantRecord | undefined> {
    const value = await this.#store.hashGet(keys.participants(this.roomId), id);
    if (value === undefined) return undefined;
    const parsed = ParticipantRecord.safeParse(safeJson(value));
    return parsed.success ? parsed.data : undefined;
  }

  async put(record: ParticipantRecord): Promise<void> {
    await this.#store.hashSet(keys.participants(this.roomId), record.id, JSON.stringify(record));
    await this.#store.setAdd(keys.activeRooms(), this.roomId);
  }

  /** Changes a stored record if it is still there; returns the new record. */
  async update(id: ParticipantId, change: (record: ParticipantRecord) => ParticipantRecord): Promise<ParticipantRecord | undefined> {
    return this.#withParticipantLock(id, async () => {
      const current = await this.get(id);
      if (!current) return undefined;
      const next = change(current);
      await this.#store.hashSet(keys.participants(this.roomId), id, JSON.stringify(next));
      return next;
    });
  }

  /**
   * Removes a participant and returns the record this call removed (`undefined` if another
   * controller got there first, so only one of them announces it). When nobody is left, every
   * key of the room goes too: the meeting's chat, bans and settings live only as long as the
   * meeting. `onlyIf` is checked under the lock, against the record as it is then.
   */
  async remove(id: ParticipantId, onlyIf: (record: ParticipantRecord) => boolean = () => true): Promise<ParticipantRecord | undefined> {
    const record = await this.#withParticipantLock(id, async () => {
      const current = await this.get(id);
      if (current && !onlyIf(current)) return undefined;
      return (await this.#store.hashDelete(keys.participants(this.roomId), id)) ? current : undefined;
    });
    if (record && (await this.#store.hashLength(keys.participants(this.roomId))) === 0) await this.#cleanUp();
    return record;
  }

  /** The meeting is over: its data goes. A participant joining meanwhile starts a new one. */
  async #cleanUp(): Promise<void> {
    await this.#store.deleteByPrefix(keys.roomPrefix(this.roomId));
    await this.#store.setRemove(keys.activeRooms(), this.roomId);
    // Someone joined while we cleaned: the room stays on the sweep's list.
    if ((await this.#store.hashLength(keys.participants(this.roomId))) > 0) await this.#store.setAdd(keys.activeRooms(), this.roomId);
  }

  isBanned(userId: string): Promise<boolean> {
    return this.#store.setHas(keys.bans(this.roomId), userId);
  }

  async ban(userId: string): Promise<void> {
    await this.#store.setAdd(keys.bans(this.roomId), userId);
  }

  isGrantedModerator(userId: string): Promise<boolean> {
    return this.#store.setHas(keys.moderators(this.roomId), userId);
  }

  async setGrantedModerator(userId: string, moderator: boolean): Promise<void> {
    if (moderator) await this.#store.setAdd(keys.moderators(this.roomId), userId);
    else await this.#store.setRemove(keys.moderators(this.roomId), userId);
  }

  #withParticipantLock<T>(id: ParticipantId, fn: () => Promise<T>): Promise<T> {
    return this.#store.withLock(keys.participantLock(this.roomId, id), 5000, fn);
  }
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
