import { mediaNamespace, type MediaKind, type ParticipantId } from '@plenum/protocol';
import { z } from 'zod';
import type { ConferenceBridge } from '../../../bridge/conference/conferenceBridge.js';
import type { JanusHandle } from '../../../bridge/janus/handle.js';
import type { JanusSession } from '../../../bridge/janus/session.js';
import type { BridgeService } from '../../../bridge/routing/bridgeService.js';
import type { Audience, BridgeServiceContext } from '../../module.js';
import { MediaRequest, feedId, fromJanusCandidate, toJanusCandidate, type MediaInternal, type MediaResult } from './mediaRequests.js';

const videoroom = 'janus.plugin.videoroom';

/** Stream mids of a publication, so moderators can mute the audio and subscribers pick layers. */
const StreamList = z.array(z.looseObject({ type: z.string(), mid: z.union([z.string(), z.number()]).transform(String) })).optional();

const ok: MediaResult = {};
const refuse = (code: NonNullable<MediaResult['error']>['code'], text: string): MediaResult => ({ error: { code, text } });

/** One participant's media on the conference's bridge: its Janus session and what hangs on it. */
interface ParticipantMedia {
  session: Promise<JanusSession> | undefined;
  readonly publications: Map<MediaKind, { handle: JanusHandle; audioMid: string | undefined }>;
  readonly subscriptions: Map<string, { handle: JanusHandle; videoMid: string | undefined }>;
}

/** A conference's media on the bridge it currently has. */
interface ConferenceMedia {
  readonly bridgeId: string;
  readonly participants: Map<string, ParticipantMedia>;
}

/**
 * The media module's part beside the conference's bridge, on the controller that owns it. It
 * holds every participant's Janus session, publications and subscriptions (whichever
 * controller the participant is connected to), runs their requests against the videoroom,
 * and sends the bridge's answers, offers and candidates back to them through the broker.
 */
export class MediaService implements BridgeService {
  readonly #ctx: BridgeServiceContext;
  readonly #conferences = new Map<string, ConferenceMedia>();

  constructor(ctx: BridgeServiceContext) {
    this.#ctx = ctx;
  }

  async handle(conference: ConferenceBridge, participantId: string, body: unknown): Promise<MediaResult> {
    const request = MediaRequest.parse(body);
    const roomId = conference.room;
    if (request.action === 'leave') {
      await this.#drop(roomId, participantId);
      return ok;
    }
    const media = this.#participant(conference, participantId);
    switch (request.action) {
      case 'publish':
        return this.#publish(conference, participantId, media, request.kind, request.sdp, request.audio, request.video);
      case 'unpublish':
        await media.publications.get(request.kind)?.handle.detach().catch(() => undefined);
        media.publications.delete(request.kind);
        return ok;
      case 'subscribe':
        return this.#subscribe(conference, participantId, media, request.target, request.kind);
      case 'subscribe_answer': {
        const subscription = media.subscriptions.get(feedId(request.target, request.kind));
        if (!subscription) return refuse('invalid_payload', 'no such subscription');
        await subscription.handle.message({ request: 'start' }, { type: 'answer', sdp: request.sdp });
        await this.#event(roomId, participantId, { message: 'subscribed', target: request.target, kind: request.kind });
        return ok;
      }
      case 'unsubscribe': {
        const key = feedId(request.target, request.kind);
        await media.subscriptions.get(key)?.handle.detach().catch(() => undefined);
        media.subscriptions.delete(key);
        return ok;
      }
      case 'configure_subscription': {
        const subscription = media.subscriptions.get(feedId(request.target, request.kind));
        if (!subscription?.videoMid) return refuse('invalid_payload', 'no such video subscription');
        await subscription.handle.message({ request: 'configure', streams: [{ mid: subscription.videoMid, substream: request.substream }] });
        return ok;
      }
      case 'candidate': {
        const handle = request.target
          ? media.subscriptions.get(feedId(request.target, request.kind))?.handle
          : media.publications.get(request.kind)?.handle;
        if (!handle) return refuse('invalid_payload', 'no such connection');
        await handle.trickle(toJanusCandidate(request.candidate));
        return ok;
      }
      case 'moderate': {
        const publication = this.#conferences.get(roomId)?.participants.get(request.target)?.publications.get('camera');
        if (!publication?.audioMid) return refuse('unknown_participant', 'that participant publishes no microphone');
        await conference.moderate(feedId(request.target, 'camera'), publication.audioMid, request.mute);
        return ok;
      }
      case 'update_media_state':
      case 'mute':
        return refuse('unknown_action', `${request.action} is no bridge request`);
    }
  }

  forget(roomId: string, bridgeId: string): void {
    // Everything on that bridge went with it (its Janus sessions closed with the client).
    if (this.#conferences.get(roomId)?.bridgeId === bridgeId) this.#conferences.delete(roomId);
  }

  async prune(roomId: string, present: ReadonlySet<string>): Promise<void> {
    for (const participantId of [...(this.#conferences.get(roomId)?.participants.keys() ?? [])]) {
      if (!present.has(participantId)) await this.#drop(roomId, participantId);
    }
  }

  /** The participant's media on `conference`; a conference on a new bridge starts from nothing. */
  #participant(conference: ConferenceBridge, participantId: string): ParticipantMedia {
    let media = this.#conferences.get(conference.room);
    if (media?.bridgeId !== conference.bridge.id) {
      media = { bridgeId: conference.bridge.id, participants: new Map() };
      this.#conferences.set(conference.room, media);
    }
    let participant = media.participants.get(participantId);
    if (!participant) {
      participant = { session: undefined, publications: new Map(), subscriptions: new Map() };
      media.participants.set(participantId, participant);
    }
    return participant;
  }

  #janusSession(conference: ConferenceBridge, media: ParticipantMedia): Promise<JanusSession> {
    const session = (media.session ??= conference.createSession());
    session.catch(() => {
      if (media.session === session) media.session = undefined;
    });
    return session;
  }

  async #drop(roomId: string, participantId: string): Promise<void> {
    const participants = this.#conferences.get(roomId)?.participants;
    const media = participants?.get(participantId);
    if (!media) return;
    participants?.delete(participantId);
    // Destroying the session removes its publications and subscriptions in Janus. Nobody waits
    // for that: a bridge that is stopping may not answer any more.
    void media.session?.then((session) => session.destroy()).catch(() => undefined);
  }

  async #publish(
    conference: ConferenceBridge,
    participantId: string,
    media: ParticipantMedia,
    kind: MediaKind,
    sdp: string,
    audio: boolean,
    video: boolean,
  ): Promise<MediaResult> {
    const roomId = conference.room;
    const replaced = media.publications.get(kind);
    await replaced?.handle.detach().catch(() => undefined);
    media.publications.delete(kind);
    const handle = await (await this.#janusSession(conference, media)).attach(videoroom, { opaqueId: feedId(participantId, kind) });
    handle.on('trickle', (candidate) => void this.#event(roomId, participantId, { message: 'candidate', kind, candidate: fromJanusCandidate(candidate) }));
    handle.on('event', (event) => {
      // Active speakers, from the bridge's audio levels.
      const talking = event.data.videoroom;
      if (talking !== 'talking' && talking !== 'stopped-talking') return;
      // Janus tells every publisher in the room who talks: only the verdict about this feed is ours.
      if (event.data.id !== feedId(participantId, kind)) return;
      void this.#send(roomId, { to: 'room' }, { message: 'speaker', participant: participantId, speaking: talking === 'talking' });
    });
    await handle.message({ request: 'join', ptype: 'publisher', room: roomId, id: feedId(participantId, kind), display: participantId });
    const answer = await handle.message({ request: 'configure', audio, video }, { type: 'offer', sdp });
    if (!answer.jsep) throw new Error('the bridge sent no answer to the offer');
    const streams = StreamList.parse(answer.data.streams) ?? [];
    media.publications.set(kind, { handle, audioMid: streams.find((s) => s.type === 'audio')?.mid });
    // Others may subscribe only once media flows: before that Janus knows no such feed.
    handle.once('webrtcup', () => {
      void this.#internal(roomId, participantId, { type: 'published', kind, audio, video });
      // Subscriptions to the replaced publication carry nothing any more: their owners start new ones.
      if (replaced) void this.#send(roomId, { to: 'room' }, { message: 'republished', participant: participantId, kind });
    });
    await this.#event(roomId, participantId, { message: 'publish_answer', kind, sdp: answer.jsep.sdp });
    return ok;
  }

  async #subscribe(conference: ConferenceBridge, participantId: string, media: ParticipantMedia, target: ParticipantId, kind: MediaKind): Promise<MediaResult> {
    const roomId = conference.room;
    const key = feedId(target, kind);
    await media.subscriptions.get(key)?.handle.detach().catch(() => undefined);
    media.subscriptions.delete(key);
    const handle = await (await this.#janusSession(conference, media)).attach(videoroom, { opaqueId: `${participantId}>${key}` });
    handle.on('trickle', (candidate) => void this.#event(roomId, participantId, { message: 'candidate', kind, target, candidate: fromJanusCandidate(candidate) }));
    let answer;
    try {
      answer = await handle.message({ request: 'join', ptype: 'subscriber', room: roomId, streams: [{ feed: key }] });
    } catch (error) {
      await handle.detach().catch(() => undefined);
      return refuse('unknown_participant', `nothing published: ${error instanceof Error ? error.message : 'refused'}`);
    }
    if (!answer.jsep) throw new Error('the bridge sent no offer for the subscription');
    const streams = StreamList.parse(answer.data.streams) ?? [];
    media.subscriptions.set(key, { handle, videoMid: streams.find((s) => s.type === 'video')?.mid });
    await this.#event(roomId, participantId, { message: 'subscribe_offer', target, kind, sdp: answer.jsep.sdp });
    return ok;
  }

  /** An event of the media namespace for one participant, wherever it is connected. */
  #event(roomId: string, participantId: string, payload: { message: string } & Record<string, unknown>): Promise<void> {
    return this.#send(roomId, { to: 'participant', id: participantId as ParticipantId }, payload);
  }

  async #send(roomId: string, audience: Audience, payload: { message: string } & Record<string, unknown>): Promise<void> {
    await this.#ctx
      .publish(roomId, audience, { kind: 'event', namespace: mediaNamespace, timestamp: new Date().toISOString(), payload })
      .catch((error: unknown) => this.#ctx.log.warn({ err: error, roomId }, 'could not send a media event'));
  }

  async #internal(roomId: string, participantId: string, payload: MediaInternal): Promise<void> {
    await this.#ctx
      .publish(roomId, { to: 'participant', id: participantId as ParticipantId }, { kind: 'internal', namespace: mediaNamespace, payload })
      .catch((error: unknown) => this.#ctx.log.warn({ err: error, roomId }, 'could not reach a participant'));
  }
}
