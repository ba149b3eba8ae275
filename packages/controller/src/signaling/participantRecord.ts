import { Participant, ParticipantId, Role, type RoomId } from '@plenum/protocol';
import { z } from 'zod';

/**
 * What the store keeps per participant: the public `Participant` plus where and how it is
 * connected. Validated when read back, like any input.
 */
export const ParticipantRecord = z.object({
  id: ParticipantId,
  displayName: z.string(),
  role: Role,
  userId: z.string().nullable(),
  kind: z.enum(['user', 'guest']),
  handRaised: z.boolean(),
  joinedAt: z.string(),
  /** `waiting`: in the waiting room; `disconnected`: socket lost, may resume. */
  state: z.enum(['joined', 'waiting', 'disconnected']),
  /** The controller holding the socket, and which socket (a resumed participant gets a new one). */
  controllerId: z.string(),
  connectionId: z.string(),
  modules: z.record(z.string(), z.unknown()),
});
export type ParticipantRecord = z.infer<typeof ParticipantRecord>;

/** The part of a record other participants may see. */
export function publicParticipant(record: ParticipantRecord): Participant {
  return {
    id: record.id,
    displayName: record.displayName,
    role: record.role,
    userId: record.userId as Participant['userId'],
    handRaised: record.handRaised,
    joinedAt: record.joinedAt,
    modules: record.modules,
  };
}

export type { RoomId };
