import { ModerationEvent } from '@plenum/protocol';
import type { HandlerContext } from '../../signaling/handlerContext.js';
import { noticeShown, waiting } from '../control/controlSlice.js';
import { joinedWaitingRoom, leftWaitingRoom, waitingRoomChanged } from './moderationSlice.js';

export function handleModerationEvent(payload: unknown, ctx: HandlerContext): void {
  const event = ModerationEvent.safeParse(payload);
  if (!event.success) return ctx.unrecognized('moderation', payload);
  const e = event.data;
  switch (e.message) {
    case 'in_waiting_room':
      ctx.dispatch(waiting());
      break;
    case 'kicked':
      ctx.ending('kicked');
      break;
    case 'banned':
      ctx.ending('banned');
      break;
    case 'meeting_ended':
      ctx.ending('meeting_ended');
      break;
    case 'denied':
      ctx.ending('denied');
      break;
    case 'waiting_room_enabled':
      ctx.dispatch(waitingRoomChanged(true));
      break;
    case 'waiting_room_disabled':
      ctx.dispatch(waitingRoomChanged(false));
      break;
    case 'joined_waiting_room':
      ctx.dispatch(joinedWaitingRoom(e.participant));
      break;
    case 'left_waiting_room':
      ctx.dispatch(leftWaitingRoom(e.id));
      break;
    case 'mute_requested':
      ctx.dispatch(noticeShown('muteRequested'));
      break;
    case 'error':
      ctx.serverError('moderation', e);
      break;
  }
}
