import { ControlEvent } from '@plenum/protocol';
import type { HandlerContext } from '../../signaling/handlerContext.js';
import { participantMediaGone } from '../media/mediaSlice.js';
import { noticeShown, participantJoined, participantLeft, participantUpdated } from './controlSlice.js';

export function handleControlEvent(payload: unknown, ctx: HandlerContext): void {
  const event = ControlEvent.safeParse(payload);
  if (!event.success) return ctx.unrecognized('control', payload);
  const e = event.data;
  switch (e.message) {
    case 'join_success':
      ctx.joined(e);
      break;
    case 'join_blocked':
      ctx.ending('banned');
      break;
    case 'joined':
      ctx.dispatch(participantJoined(e.participant));
      break;
    case 'update':
      ctx.dispatch(participantUpdated(e.participant));
      break;
    case 'left':
      ctx.dispatch(participantLeft(e.id));
      ctx.dispatch(participantMediaGone(e.id));
      ctx.media.removeParticipant(e.id);
      break;
    case 'token_refreshed':
      ctx.dispatch(noticeShown('tokenRefreshed'));
      break;
    case 'token_expiring':
      ctx.refreshTokenNow();
      break;
    case 'error':
      ctx.serverError('control', e);
      break;
  }
}
