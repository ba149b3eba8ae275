import { ChatEvent } from '@plenum/protocol';
import type { HandlerContext } from '../../signaling/handlerContext.js';
import { chatEnabledChanged, historyCleared, messageReceived } from './chatSlice.js';

export function handleChatEvent(payload: unknown, ctx: HandlerContext): void {
  const event = ChatEvent.safeParse(payload);
  if (!event.success) return ctx.unrecognized('chat', payload);
  const e = event.data;
  switch (e.message) {
    case 'message_sent':
      ctx.dispatch(messageReceived({ message: e.chatMessage, mine: e.chatMessage.source === ctx.myId() }));
      break;
    case 'chat_enabled':
      ctx.dispatch(chatEnabledChanged(true));
      break;
    case 'chat_disabled':
      ctx.dispatch(chatEnabledChanged(false));
      break;
    case 'history_cleared':
      ctx.dispatch(historyCleared());
      break;
    case 'error':
      ctx.serverError('chat', e);
      break;
  }
}
