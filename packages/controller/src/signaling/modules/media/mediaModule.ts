import { MediaCommand, MediaState, mediaNamespace, type IceCandidate, type MediaKind, type ParticipantId } from '@plenum/protocol';
import { z } from 'zod';
import type { ConferenceBridge } from '../../../bridge/conferenceBridge.js';
import type { JanusHandle } from '../../../bridge/janus/handle.js';
import type { JanusCandidate, JanusCandidatesCompleted } from '../../../bridge/janus/messages.js';
import type { JanusSession } from '../../../bridge/janus/session.js';
import type { ModuleContext, ModuleInstance, SignalingModule } from '../../module.js';

const videoroom = 'janus.plugin.videoroom';

/** A publisher's ID in the videoroom: the participant and what it publishes. */
const feedId = (participant: string, kind: MediaKind) => `${participant}:${kind}`;

/** Stream mids of a publication, so moderators can mute the audio and subscribers pick layers. */
const Mids = z.object({ audio: z.string().optional(), video: z.string().optional() });
const StreamList = z.array(z.looseObject({ type: z.string(), mid: z.union([z.string(), z.number()]).transform(String) })).optional();
const Order = z.object({ type: z.literal('force_mute'), by: z.string() });

const offState: MediaState = { audio: false, video: false, screen: false, forceMuted: false };

function toJanusCandidate(candidate: IceCandidate): JanusCandidate | JanusCandidatesCompleted {
  if (candidate === null) return { completed: true };
  return { candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? undefined, sdpMLineIndex: candidate.sdpMLineIndex ?? undefined };
}

function fromJanusCandidate(candidate: JanusCandidate | JanusCandidatesCompleted): IceCandidate {
  if ('completed' in candidate) return null;
  return { candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null };
}

/**
 * One participant's media: its Janus session on the conference's bridge, its publications
 * (camera with microphone, screen) and its subscriptions to others. The client never speaks
 * to Janus: every offer, answer and candidate passes through here, after the controller's
 * checks, and every control command (mute) reaches the bridge from here.
 */
class MediaInstance implements ModuleInstance {
  readonly #ctx: ModuleContext;
  #session: Promise<JanusSession> | undefined;
  readonly #publications = new Map<MediaKind, JanusHandle>();
  readonly #subscriptions = new Map<string, { handle: JanusHandle; videoMid: string | undefined }>();
  #state: MediaState = { ...offState };
  readonly #stopResetListener: () => void;

  constructor(ctx: ModuleContext) {
    this.#ctx = ctx;
    this.#stopResetListener = ctx.runtime.onBridgeReset(() => void this.#onBridgeReset());
  }

  async joinData() {
    // Start the bridge while the participant looks at join_success; publishing waits for it.
    void this.#ctx.runtime.bridge().catch(() => undefined);
    const stored = await this.#ctx.store.hashGetAll(this.#ctx.key('states'));
    const states: Record<string, MediaState> = {};
    for (const [id, value] of Object.entries(stored)) {
      const parsed = MediaState.safeParse(JSON.parse(value));
      if (parsed.success) states[id] = parsed.data;
    }
    return { states };
  }

  async onCommand(raw: unknown): Promise<void> {
    const command = MediaCommand.parse(raw);
    const ctx = this.#ctx;
    switch (command.action) {
      case 'publish':
        return this.#publish(command.kind, command.sdp, command.audio, command.video);
      case 'unpublish':
        await this.#publications.get(command.kind)?.detach().catch(() => undefined);
        this.#publications.delete(command.kind);
        return this.#setState(command.kind === 'screen' ? { screen: false } : { audio: false, video: false });
      case 'subscribe':
        return this.#subscribe(command.target, command.kind);
      case 'subscribe_answer': {
        const subscription = this.#subscriptions.get(feedId(command.target, command.kind));
        if (!subscription) return ctx.sendError('invalid_payload', 'no such subscription');
        await subscription.handle.message({ request: 'start' }, { type: 'answer', sdp: command.sdp });
        return ctx.send({ message: 'subscribed', target: command.target, kind: command.kind });
      }
      case 'unsubscribe': {
        const key = feedId(command.target, command.kind);
        await this.#subscriptions.get(key)?.handle.detach().catch(() => undefined);
        this.#subscriptions.delete(key);
        return;
      }
      case 'configure_subscription': {
        const subscription = this.#subscriptions.get(feedId(command.target, command.kind));
        if (!subscription?.videoMid) return ctx.sendError('invalid_payload', 'no such video subscription');
        await subscription.handle.message({ request: 'configure', streams: [{ mid: subscription.videoMid, substream: command.substream }] });
        return;
      }
      case 'candidate': {
        const handle = command.target
          ? this.#subscriptions.get(feedId(command.target, command.kind))?.handle
          : this.#publications.get(command.kind);
        if (!handle) return ctx.sendError('invalid_payload', 'no such connection');
        return handle.trickle(toJanusCandidate(command.candidate));
      }
      case 'update_media_state': {
        // Switching the microphone on is how a participant lifts a moderator's mute.
        if (command.audio && this.#state.forceMuted) await this.#moderate(ctx.participant.id, false);
        return this.#setState({ audio: command.audio, video: command.video, forceMuted: command.audio ? false : this.#state.forceMuted });
      }
      case 'mute': {
        if (ctx.participant.role !== 'moderator') return ctx.sendError('insufficient_permissions', 'only moderators may do this');
        for (const target of new Set(command.targets)) {
          await this.#moderate(target, true);
          await ctx.publishInternal({ to: 'participant', id: target }, { type: 'force_mute', by: ctx.participant.id });
        }
        return;
      }
    }
  }

  async onBrokerMessage(raw: unknown): Promise<void> {
    const order = Order.safeParse(raw);
    if (!order.success) return;
    this.#ctx.send({ message: 'muted', by: order.data.by });
    await this.#setState({ audio: false, forceMuted: true });
  }

  async onLeave(): Promise<void> {
    this.#stopResetListener();
    await this.#ctx.store.hashDelete(this.#ctx.key('states'), this.#ctx.participant.id);
    const session = await this.#session?.catch(() => undefined);
    await session?.destroy().catch(() => undefined);
  }

  async #publish(kind: MediaKind, sdp: string, audio: boolean, video: boolean): Promise<void> {
    const ctx = this.#ctx;
    const bridge = await ctx.runtime.bridge();
    await this.#publications.get(kind)?.detach().catch(() => undefined);
    const handle = await (await this.#janusSession()).attach(videoroom, { opaqueId: feedId(ctx.participant.id, kind) });
    this.#publications.set(kind, handle);
    handle.on('trickle', (candidate) => ctx.send({ message: 'candidate', kind, candidate: fromJanusCandidate(candidate) }));
    handle.on('event', (event) => this.#onPublisherEvent(feedId(ctx.participant.id, kind), event.data));
    await handle.message({ request: 'join', ptype: 'publisher', room: bridge.room, id: feedId(ctx.participant.id, kind), display: ctx.participant.id });
    const answer = await handle.message({ request: 'configure', audio, video }, { type: 'offer', sdp });
    if (!answer.jsep) throw new Error('the bridge sent no answer to the offer');
    const streams = StreamList.parse(answer.data.streams) ?? [];
    const mids = { audio: streams.find((s) => s.type === 'audio')?.mid, video: streams.find((s) => s.type === 'video')?.mid };
    await ctx.store.hashSet(ctx.key('mids'), feedId(ctx.participant.id, kind), JSON.stringify(mids));
    // Others may subscribe only once media flows: before that Janus knows no such feed.
    handle.once('webrtcup', () => {
      void this.#setState(kind === 'screen' ? { screen: true } : { audio, video }).catch(() => undefined);
    });
    ctx.send({ message: 'publish_answer', kind, sdp: answer.jsep.sdp });
  }

  async #subscribe(target: ParticipantId, kind: MediaKind): Promise<void> {
    const ctx = this.#ctx;
    if (target === ctx.participant.id) return ctx.sendError('invalid_payload', 'cannot subscribe to yourself');
    const bridge = await ctx.runtime.bridge();
    const key = feedId(target, kind);
    await this.#subscriptions.get(key)?.handle.detach().catch(() => undefined);
    const handle = await (await this.#janusSession()).attach(videoroom, { opaqueId: `${ctx.participant.id}>${key}` });
    handle.on('trickle', (candidate) => ctx.send({ message: 'candidate', kind, target, candidate: fromJanusCandidate(candidate) }));
    let answer;
    try {
      answer = await handle.message({ request: 'join', ptype: 'subscriber', room: bridge.room, streams: [{ feed: key }] });
    } catch (error) {
      await handle.detach().catch(() => undefined);
      return ctx.sendError('unknown_participant', `nothing published: ${error instanceof Error ? error.message : 'refused'}`);
    }
    if (!answer.jsep) throw new Error('the bridge sent no offer for the subscription');
    const streams = StreamList.parse(answer.data.streams) ?? [];
    this.#subscriptions.set(key, { handle, videoMid: streams.find((s) => s.type === 'video')?.mid });
    ctx.send({ message: 'subscribe_offer', target, kind, sdp: answer.jsep.sdp });
  }

  /** Forwards the bridge's audio-level verdicts about this publication (`feed`) as active-speaker events. */
  #onPublisherEvent(feed: string, data: Record<string, unknown>): void {
    const talking = data.videoroom;
    if (talking !== 'talking' && talking !== 'stopped-talking') return;
    // Janus tells every publisher in the room who talks: only the verdict about this feed is ours.
    if (data.id !== feed) return;
    void this.#ctx.publishEvent({ to: 'room' }, { message: 'speaker', participant: this.#ctx.participant.id, speaking: talking === 'talking' });
  }

  async #moderate(target: string, mute: boolean): Promise<void> {
    const bridge: ConferenceBridge = await this.#ctx.runtime.bridge();
    const stored = await this.#ctx.store.hashGet(this.#ctx.key('mids'), feedId(target, 'camera'));
    const mids = stored === undefined ? undefined : Mids.safeParse(JSON.parse(stored));
    if (!mids?.success || !mids.data.audio) return this.#ctx.sendError('unknown_participant', 'that participant publishes no microphone');
    await bridge.moderate(feedId(target, 'camera'), mids.data.audio, mute);
  }

  async #setState(change: Partial<MediaState>): Promise<void> {
    this.#state = { ...this.#state, ...change };
    const ctx = this.#ctx;
    await ctx.store.hashSet(ctx.key('states'), ctx.participant.id, JSON.stringify(this.#state));
    await ctx.publishEvent({ to: 'room' }, { message: 'media_state', participant: ctx.participant.id, state: this.#state });
  }

  #janusSession(): Promise<JanusSession> {
    this.#session ??= this.#ctx.runtime.bridge().then((bridge) => bridge.createSession());
    this.#session.catch(() => (this.#session = undefined));
    return this.#session;
  }

  /** The old bridge is gone with everything on it: start over and let the client reconnect. */
  async #onBridgeReset(): Promise<void> {
    this.#session = undefined;
    this.#publications.clear();
    this.#subscriptions.clear();
    this.#state = { ...offState };
    this.#ctx.send({ message: 'bridge_reset' });
    await this.#setState({});
  }
}

/** Media: publish and subscribe through the conference's bridge; see `MediaInstance`. */
export const mediaModule: SignalingModule = {
  namespace: mediaNamespace,
  commandSchema: MediaCommand,
  async init(ctx) {
    // Without a bridge (media switched off) there is nothing to publish to.
    return ctx.runtime.mediaEnabled ? new MediaInstance(ctx) : undefined;
  },
};
