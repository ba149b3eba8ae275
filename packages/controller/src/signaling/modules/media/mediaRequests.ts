import { MediaCommand, MediaKind, ParticipantId, SignalingErrorCode, type IceCandidate } from '@plenum/protocol';
import { z } from 'zod';
import type { JanusCandidate, JanusCandidatesCompleted } from '../../../bridge/janus/messages.js';

/**
 * What a participant's media instance asks the media service beside the conference's bridge
 * (possibly on another controller, through the broker): the client's media commands that
 * concern the bridge, already checked by the participant's controller and checked again here,
 * plus what only controllers ask.
 */
export const MediaRequest = z.union([
  /** The bridge's part of a command (`update_media_state` and `mute` have none: they are refused). */
  MediaCommand,
  /** Mute or unmute a participant's microphone at the bridge (moderation; unmuting oneself). */
  z.strictObject({ action: z.literal('moderate'), target: ParticipantId, mute: z.boolean() }),
  /** The participant left: its Janus session goes, with all its publications and subscriptions. */
  z.strictObject({ action: z.literal('leave') }),
]);
export type MediaRequest = z.infer<typeof MediaRequest>;

/** The media service's answer: nothing, or an error for the participant. */
export const MediaResult = z.strictObject({
  error: z.strictObject({ code: SignalingErrorCode, text: z.string().max(500) }).optional(),
});
export type MediaResult = z.infer<typeof MediaResult>;

/** What the media service tells a participant's media instance through the broker. */
export const MediaInternal = z.discriminatedUnion('type', [
  /** A moderator muted this participant. */
  z.strictObject({ type: z.literal('force_mute'), by: ParticipantId }),
  /** A publication's media flows now: others may subscribe to it. */
  z.strictObject({ type: z.literal('published'), kind: MediaKind, audio: z.boolean(), video: z.boolean() }),
]);
export type MediaInternal = z.infer<typeof MediaInternal>;

/** A publisher's ID in the videoroom: the participant and what it publishes. */
export const feedId = (participant: string, kind: MediaKind) => `${participant}:${kind}`;

export function toJanusCandidate(candidate: IceCandidate): JanusCandidate | JanusCandidatesCompleted {
  if (candidate === null) return { completed: true };
  return { candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? undefined, sdpMLineIndex: candidate.sdpMLineIndex ?? undefined };
}

export function fromJanusCandidate(candidate: JanusCandidate | JanusCandidatesCompleted): IceCandidate {
  if ('completed' in candidate) return null;
  return { candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null };
}
