import { z } from 'zod';

/**
 * Schemas of what Janus sends, checked where it enters the client. Unknown fields never fail
 * validation (Janus adds fields between versions); they are kept in what we pass on as is
 * (plugin data, jsep, candidates) and dropped from the event infos we shape (media, slowlink).
 */

/** Janus session and handle IDs: random integers Janus keeps below 2^53, so safe as numbers. */
const janusId = z.number().int().nonnegative();

/** An SDP offer or answer, as Janus sends and takes it (`RTCSessionDescriptionInit`-shaped). */
export const jsepSchema = z.looseObject({ type: z.enum(['offer', 'answer']), sdp: z.string() });
export type JanusJsep = z.infer<typeof jsepSchema>;

/** A plugin's payload (`plugindata.data`); the caller validates it against the plugin's API. */
export type PluginData = Record<string, unknown>;

/** The envelope of every message from Janus; type-specific fields are checked where used. */
export const envelopeSchema = z.looseObject({
  /** success, error, ack, event, webrtcup, media, slowlink, hangup, detached, timeout, trickle… */
  janus: z.string(),
  /** Echo of the request's transaction; also on a plugin event answering a `message`. */
  transaction: z.string().optional(),
  session_id: janusId.optional(),
  /** The handle an event is about. */
  sender: janusId.optional(),
  error: z.object({ code: z.number().int(), reason: z.string() }).optional(),
  plugindata: z.object({ plugin: z.string(), data: z.record(z.string(), z.unknown()) }).optional(),
  jsep: jsepSchema.optional(),
});
export type JanusMessage = z.infer<typeof envelopeSchema>;

/** `success` answering `create` or `attach`: the new session's or handle's ID. */
export const createdSchema = z.looseObject({ data: z.looseObject({ id: janusId }) });

/** An ICE candidate, as in `RTCIceCandidateInit` (what a browser's `icecandidate` gives). */
export const candidateSchema = z.looseObject({
  candidate: z.string(),
  sdpMid: z.string().nullish(),
  sdpMLineIndex: z.number().int().nullish(),
});
export type JanusCandidate = z.infer<typeof candidateSchema>;

/** End of candidates, in either direction of a trickle. */
export const completedSchema = z.looseObject({ completed: z.literal(true) });
export type JanusCandidatesCompleted = z.infer<typeof completedSchema>;

/** `trickle` from Janus (full trickle): one of its own candidates, or the end of them. */
export const trickleSchema = z.looseObject({ candidate: z.union([candidateSchema, completedSchema]) });

/** `media`: Janus started or stopped receiving a medium (`no_media_timer` seconds without). */
export const mediaSchema = z.object({
  type: z.enum(['audio', 'video']),
  receiving: z.boolean(),
  /** The stream's m-line. */
  mid: z.string().optional(),
  /** Which simulcast substream, when simulcast is used. */
  substream: z.number().int().optional(),
  /** Seconds without media, when `receiving` is false. */
  seconds: z.number().optional(),
});
export type JanusMediaInfo = z.infer<typeof mediaSchema>;

/** `slowlink`: many packets lost or NACKed on one stream. */
export const slowlinkSchema = z.object({
  /** True: Janus is losing packets it receives; false: the peer is losing what Janus sends. */
  uplink: z.boolean(),
  media: z.enum(['audio', 'video']).optional(),
  mid: z.string().optional(),
  lost: z.number().optional(),
  nacks: z.number().optional(),
});
export type JanusSlowlinkInfo = z.infer<typeof slowlinkSchema>;

/** `hangup`: the PeerConnection of a handle closed. */
export const hangupSchema = z.looseObject({ reason: z.string().optional() });
