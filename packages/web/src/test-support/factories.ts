import { readFileSync } from 'node:fs';
import { ChatMessage, JoinSuccess, Participant, ParticipantId, type Role } from '@plenum/protocol';

/** The protocol's golden frames, shared by controller and client. */
const fixturesDir = new URL('../../../protocol/fixtures/signaling/', import.meta.url);

/** The payload of a golden frame, e.g. `control/event.joined.json`. */
export function fixturePayload(path: string): unknown {
  const frame: unknown = JSON.parse(readFileSync(new URL(path, fixturesDir), 'utf8'));
  if (typeof frame !== 'object' || frame === null || !('payload' in frame)) throw new Error(`${path} holds no frame`);
  return frame.payload;
}

export const ids = {
  me: ParticipantId.parse('7e3d1f8a-92c4-4b5e-a6d0-3f2e1c0b9a88'),
  alice: ParticipantId.parse('5a0c9e2b-3d14-4f6a-8b27-c1e0d9f8a7b6'),
  bob: ParticipantId.parse('2c9f4b7d-1a3e-4d6c-9f80-b5a4e3d2c1f0'),
  carol: ParticipantId.parse('8f1e2d3c-4b5a-4697-8e8f-0a1b2c3d4e5f'),
};

export function participant(id: ParticipantId, displayName: string, role: Role = 'user', handRaised = false): Participant {
  return Participant.parse({
    id,
    displayName,
    role,
    userId: role === 'guest' ? null : '0d5e8f3a-2b71-4c9e-8a6d-5f4e3c2b1a09',
    handRaised,
    joinedAt: '2026-11-24T09:00:00.000Z',
    modules: {},
  });
}

let messageCount = 0;

export function chatMessage(source: ParticipantId, content: string, target: ParticipantId | null = null): ChatMessage {
  messageCount += 1;
  return ChatMessage.parse({
    id: `00000000-0000-4000-8000-${String(messageCount).padStart(12, '0')}`,
    source,
    target,
    content,
    timestamp: '2026-11-24T09:10:00.000Z',
  });
}

/** A `join_success` for `ids.me` with Alice and Bob present; `modules` as given. */
export function joinSuccess(options: { role?: Role; participants?: Participant[]; modules?: Record<string, unknown> } = {}): JoinSuccess {
  return JoinSuccess.parse({
    message: 'join_success',
    id: ids.me,
    role: options.role ?? 'user',
    displayName: 'Me Myself',
    room: { id: '6b0f2c1e-4a8d-4c3b-9e2f-1a7d5c9b3e40', name: 'Weekly planning', ownerId: '0d5e8f3a-2b71-4c9e-8a6d-5f4e3c2b1a09' },
    participants: options.participants ?? [participant(ids.alice, 'Alice Adams', 'moderator'), participant(ids.bob, 'Bob Brown', 'guest')],
    resumption: 'resume-token',
    tokenExpiresAt: '2026-11-24T10:00:00.000Z',
    modules: options.modules ?? {},
  });
}
