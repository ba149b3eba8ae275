import { MediaCommand, MediaState, mediaNamespace } from '@plenum/protocol';
import { BridgeRpcError } from '../../../bridge/routing/bridgeRpc.js';
import type { BridgeWatcher } from '../../../bridge/routing/bridgeService.js';
import type { ModuleContext, ModuleInstance, SignalingModule } from '../../module.js';
import { MediaInternal, MediaResult, type MediaRequest } from './mediaRequests.js';
import { MediaService } from './mediaService.js';

const offState: MediaState = { audio: false, video: false, screen: false, forceMuted: false };

/**
 * One participant's media, on the controller its socket is connected to: checks and relays its
 * commands to the media service beside the conference's bridge (`MediaService`, on whichever
 * controller runs the bridge) and keeps its media state. The client never speaks to Janus, and
 * every control command (mute) reaches the bridge through here.
 */
class MediaInstance implements ModuleInstance, BridgeWatcher {
  readonly #ctx: ModuleContext;
  #state: MediaState = { ...offState };
  /** The bridge this participant's publications and subscriptions live on. */
  #bridgeId: string | undefined;
  readonly #stopWatching: () => void;

  constructor(ctx: ModuleContext) {
    this.#ctx = ctx;
    this.#stopWatching = ctx.runtime.bridge.watch(this);
  }

  get bridgeId(): string | undefined {
    return this.#bridgeId;
  }

  lost(): void {
    // Only the store can fail here; the client learns of the reset all the same.
    void this.#onBridgeLost().catch(() => this.#ctx.sendError('internal_error', 'could not announce the media reset'));
  }

  async joinData() {
    // Start the bridge while the participant looks at join_success; publishing waits for it.
    this.#ctx.runtime.bridge.prepare();
    const stored = await this.#ctx.store.hashGetAll(this.#ctx.key('states'));
    const states: Record<string, MediaState> = {};
    for (const [id, value] of Object.entries(stored)) {
      const parsed = MediaState.safeParse(JSON.parse(value));
      if (parsed.success) states[id] = parsed.data;
    }
    return { states, ice: this.#ctx.runtime.ice() };
  }

  async onTokenRefreshed(): Promise<void> {
    this.#ctx.send({ message: 'ice_servers', ice: this.#ctx.runtime.ice() });
  }

  async onCommand(raw: unknown): Promise<void> {
    const command = MediaCommand.parse(raw);
    const ctx = this.#ctx;
    switch (command.action) {
      case 'publish':
        await this.#request(command, true);
        return;
      case 'subscribe':
        if (command.target === ctx.participant.id) return ctx.sendError('invalid_payload', 'cannot subscribe to yourself');
        await this.#request(command, false);
        return;
      case 'unpublish':
        await this.#request(command, false);
        return this.#setState(command.kind === 'screen' ? { screen: false } : { audio: false, video: false });
      case 'subscribe_answer':
      case 'unsubscribe':
      case 'configure_subscription':
      case 'candidate':
        await this.#request(command, false);
        return;
      case 'update_media_state': {
        // Switching the microphone on is how a participant lifts a moderator's mute.
        if (command.audio && this.#state.forceMuted) await this.#request({ action: 'moderate', target: ctx.participant.id, mute: false }, false);
        return this.#setState({ audio: command.audio, video: command.video, forceMuted: command.audio ? false : this.#state.forceMuted });
      }
      case 'mute': {
        if (ctx.participant.role !== 'moderator') return ctx.sendError('insufficient_permissions', 'only moderators may do this');
        for (const target of new Set(command.targets)) {
          await this.#request({ action: 'moderate', target, mute: true }, false);
          await ctx.publishInternal({ to: 'participant', id: target }, { type: 'force_mute', by: ctx.participant.id } satisfies MediaInternal);
        }
        return;
      }
    }
  }

  async onBrokerMessage(raw: unknown): Promise<void> {
    const message = MediaInternal.safeParse(raw);
    if (!message.success) return;
    if (message.data.type === 'force_mute') {
      this.#ctx.send({ message: 'muted', by: message.data.by });
      return this.#setState({ audio: false, forceMuted: true });
    }
    const { kind, audio, video } = message.data;
    return this.#setState(kind === 'screen' ? { screen: true } : { audio, video });
  }

  async onLeave(): Promise<void> {
    this.#stopWatching();
    await this.#ctx.store.hashDelete(this.#ctx.key('states'), this.#ctx.participant.id);
    if (this.#bridgeId !== undefined) await this.#request({ action: 'leave' }, false, { quiet: true });
  }

  /**
   * Runs a request at the media service beside the bridge; an error for the client is sent to
   * it. `start`: a conference without a bridge gets one (only publishing needs that). Returns
   * whether it succeeded.
   */
  async #request(request: MediaRequest, start: boolean, { quiet = false } = {}): Promise<boolean> {
    const ctx = this.#ctx;
    let answer: { bridgeId: string; result: unknown };
    try {
      answer = await ctx.runtime.bridge.request(request, { start });
    } catch (error) {
      if (quiet) return false;
      if (error instanceof BridgeRpcError && error.code === 'no_bridge') {
        if (request.action === 'subscribe') ctx.sendError('unknown_participant', 'nothing published: the conference has no bridge');
        else ctx.sendError('invalid_payload', 'no such connection: the conference has no bridge');
        return false;
      }
      throw error;
    }
    // Answered by another bridge than the one our media lived on: that one is gone.
    if (this.#bridgeId !== undefined && answer.bridgeId !== this.#bridgeId) await this.#onBridgeLost();
    if (request.action === 'publish' || request.action === 'subscribe') this.#bridgeId = answer.bridgeId;
    const { error } = MediaResult.parse(answer.result);
    if (!error) return true;
    if (!quiet) ctx.sendError(error.code, error.text);
    return false;
  }

  /** The bridge our media lived on is gone with everything on it: the client starts over. */
  async #onBridgeLost(): Promise<void> {
    if (this.#bridgeId === undefined) return;
    this.#bridgeId = undefined;
    this.#state = { ...offState };
    this.#ctx.send({ message: 'bridge_reset' });
    await this.#setState({});
  }

  async #setState(change: Partial<MediaState>): Promise<void> {
    this.#state = { ...this.#state, ...change };
    const ctx = this.#ctx;
    await ctx.store.hashSet(ctx.key('states'), ctx.participant.id, JSON.stringify(this.#state));
    await ctx.publishEvent({ to: 'room' }, { message: 'media_state', participant: ctx.participant.id, state: this.#state });
  }
}

/** Media: publish and subscribe through the conference's bridge; see `MediaInstance` and `MediaService`. */
export const mediaModule: SignalingModule = {
  namespace: mediaNamespace,
  commandSchema: MediaCommand,
  async init(ctx) {
    // Without a bridge (media switched off) there is nothing to publish to.
    return ctx.runtime.mediaEnabled ? new MediaInstance(ctx) : undefined;
  },
  bridgeService: (ctx) => new MediaService(ctx),
};
