import { z } from 'zod';
import { defineNamespace } from './namespace.js';
import { ErrorPayload } from './envelope.js';
import { ParticipantId } from './common.js';

export const mediaNamespace = 'media';

/** A participant publishes up to two streams: camera (with microphone) and screen share. */
export const MediaKind = z.enum(['camera', 'screen']);
export type MediaKind = z.infer<typeof MediaKind>;

/** SDP bodies are bounded; a real offer with simulcast is a few kilobytes. */
export const Sdp = z.string().min(1).max(32_000);

/** An ICE candidate as the browser gives it; `null` means gathering completed. */
export const IceCandidate = z
  .strictObject({
    candidate: z.string().max(1000),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
  })
  .nullable();
export type IceCandidate = z.infer<typeof IceCandidate>;

/** Simulcast layer of a camera: 0 low, 1 medium, 2 high. */
export const Substream = z.union([z.literal(0), z.literal(1), z.literal(2)]);

export const MediaCommand = z.discriminatedUnion('action', [
  /** Offer to publish; the answer comes as `publish_answer`. */
  z.strictObject({ action: z.literal('publish'), kind: MediaKind, sdp: Sdp, audio: z.boolean(), video: z.boolean() }),
  z.strictObject({ action: z.literal('unpublish'), kind: MediaKind }),
  /** Ask for another participant's stream; the bridge's offer comes as `subscribe_offer`. */
  z.strictObject({ action: z.literal('subscribe'), target: ParticipantId, kind: MediaKind }),
  /** The client's answer to `subscribe_offer`. */
  z.strictObject({ action: z.literal('subscribe_answer'), target: ParticipantId, kind: MediaKind, sdp: Sdp }),
  z.strictObject({ action: z.literal('unsubscribe'), target: ParticipantId, kind: MediaKind }),
  /** Choose a simulcast layer of a subscribed camera. */
  z.strictObject({ action: z.literal('configure_subscription'), target: ParticipantId, kind: MediaKind, substream: Substream }),
  /** A trickled ICE candidate: for my publication (no target) or for a subscription (target). */
  z.strictObject({ action: z.literal('candidate'), kind: MediaKind, target: ParticipantId.optional(), candidate: IceCandidate }),
  /** Microphone and camera switched on or off by the participant; shown to everyone. */
  z.strictObject({ action: z.literal('update_media_state'), audio: z.boolean(), video: z.boolean() }),
  /** Moderators: mute these participants' microphones at the bridge. */
  z.strictObject({ action: z.literal('mute'), targets: z.array(ParticipantId).min(1).max(1000) }),
]);
export type MediaCommand = z.infer<typeof MediaCommand>;

/** What everyone sees of a participant's media. */
export const MediaState = z.object({
  audio: z.boolean(),
  video: z.boolean(),
  screen: z.boolean(),
  /** Muted by a moderator: the bridge drops the audio until the participant unmutes. */
  forceMuted: z.boolean(),
});
export type MediaState = z.infer<typeof MediaState>;

export const MediaEvent = z.discriminatedUnion('message', [
  z.object({ message: z.literal('publish_answer'), kind: MediaKind, sdp: Sdp }),
  z.object({ message: z.literal('subscribe_offer'), target: ParticipantId, kind: MediaKind, sdp: Sdp }),
  /** The subscription is running (the bridge accepted the answer). */
  z.object({ message: z.literal('subscribed'), target: ParticipantId, kind: MediaKind }),
  /** A candidate of the bridge for my publication (no target) or a subscription. */
  z.object({ message: z.literal('candidate'), kind: MediaKind, target: ParticipantId.optional(), candidate: IceCandidate }),
  /** Someone's media state changed, including which streams can be subscribed. */
  z.object({ message: z.literal('media_state'), participant: ParticipantId, state: MediaState }),
  /** A moderator muted me; the bridge drops my audio until I switch my microphone on again. */
  z.object({ message: z.literal('muted'), by: ParticipantId }),
  /** Who is speaking, from the bridge's audio levels. */
  z.object({ message: z.literal('speaker'), participant: ParticipantId, speaking: z.boolean() }),
  /** The bridge was replaced: publish and subscribe again. */
  z.object({ message: z.literal('bridge_reset') }),
  /** A participant published this stream anew (its connection was re-established): subscribe again. */
  z.object({ message: z.literal('republished'), participant: ParticipantId, kind: MediaKind }),
  /** Fresh ICE servers (new TURN credentials), sent after each token refresh. */
  z.object({ message: z.literal('ice_servers'), ice: z.lazy(() => IceConfiguration) }),
  ErrorPayload,
]);
export type MediaEvent = z.infer<typeof MediaEvent>;

/**
 * A STUN or TURN server for the browser's peer connections (`RTCIceServer`). TURN credentials
 * are short-lived (TURN REST API: `username` is `<expiry>:<participant>`) and issued only to a
 * participant whose token was checked.
 */
export const IceServer = z.strictObject({
  urls: z.array(z.string().regex(/^(stun|turns?):[^\s]{1,250}$/)).min(1).max(8),
  username: z.string().max(256).optional(),
  credential: z.string().max(256).optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/** The ICE servers a participant uses, and when their credentials end (ISO time). */
export const IceConfiguration = z.strictObject({
  iceServers: z.array(IceServer).max(8),
  /** When TURN credentials stop working; the controller sends new ones before, with each token refresh. */
  expiresAt: z.iso.datetime().optional(),
});
export type IceConfiguration = z.infer<typeof IceConfiguration>;

/** The media part of `join_success`: everyone's media state and this participant's ICE servers. */
export const MediaJoinData = z.object({
  states: z.record(z.string(), MediaState),
  ice: IceConfiguration,
});
export type MediaJoinData = z.infer<typeof MediaJoinData>;

/** The `media` namespace, as the list in namespaces.ts holds it. */
export const mediaDefinition = defineNamespace({
  name: mediaNamespace,
  commands: MediaCommand,
  events: MediaEvent,
  joinData: MediaJoinData,
  // In join_success only where the controller runs bridges (not with `PLENUM_BRIDGE_LAUNCHER=none`).
  optionalJoinData: true,
});
