import { MediaEvent, type MediaState, type ParticipantId } from '@plenum/protocol';
import type { HandlerContext } from '../../signaling/handlerContext.js';
import type { MediaEngine } from './mediaEngine.js';
import { bridgeStatusChanged, mediaStateReceived, speakerChanged } from './mediaSlice.js';

/** Subscribe to what a participant publishes, and stop when they stop sharing their screen. */
export function followMediaState(engine: MediaEngine, participant: ParticipantId, state: MediaState): void {
  if (state.audio || state.video) engine.requestSubscription(participant, 'camera');
  if (state.screen) engine.requestSubscription(participant, 'screen');
  else engine.unsubscribe(participant, 'screen');
}

export function handleMediaEvent(payload: unknown, ctx: HandlerContext): void {
  const event = MediaEvent.safeParse(payload);
  if (!event.success) return ctx.unrecognized('media', payload);
  const e = event.data;
  switch (e.message) {
    case 'publish_answer':
      ctx.media.onPublishAnswer(e.kind, e.sdp);
      ctx.dispatch(bridgeStatusChanged('ok'));
      break;
    case 'subscribe_offer':
      ctx.media.onSubscribeOffer(e.target, e.kind, e.sdp);
      break;
    case 'candidate':
      ctx.media.onCandidate(e.kind, e.target, e.candidate);
      break;
    case 'media_state': {
      const mine = e.participant === ctx.myId();
      ctx.dispatch(mediaStateReceived({ participant: e.participant, state: e.state, mine }));
      if (!mine) followMediaState(ctx.media, e.participant, e.state);
      break;
    }
    case 'muted':
      ctx.localMicForcedOff();
      break;
    case 'speaker':
      ctx.dispatch(speakerChanged({ participant: e.participant, speaking: e.speaking }));
      break;
    case 'bridge_reset':
      ctx.bridgeReset();
      break;
    case 'republished':
      if (e.participant !== ctx.myId()) ctx.media.resubscribe(e.participant, e.kind);
      break;
    case 'ice_servers':
      ctx.media.setIce(e.ice);
      break;
    case 'subscribed':
      break;
    case 'error':
      ctx.serverError('media', e);
      break;
  }
}
