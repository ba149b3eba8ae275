import type { NamespaceName } from '@plenum/protocol';
import type { HandlerContext } from '../signaling/handlerContext.js';
import { handleChatEvent } from './chat/chatHandlers.js';
import { handleControlEvent } from './control/controlHandlers.js';
import { handleMediaEvent } from './media/mediaHandlers.js';
import { handleModerationEvent } from './moderation/moderationHandlers.js';

/**
 * Each namespace's event handler, one line per feature. Keyed by the protocol's list of
 * namespaces: a namespace added there does not compile until its feature is registered here.
 */
export const eventHandlers: { readonly [N in NamespaceName]: (payload: unknown, ctx: HandlerContext) => void } = {
  control: handleControlEvent,
  chat: handleChatEvent,
  moderation: handleModerationEvent,
  media: handleMediaEvent,
};

/** The handler of `namespace`, if it is one of the protocol's. */
export function eventHandler(namespace: string): ((payload: unknown, ctx: HandlerContext) => void) | undefined {
  return Object.hasOwn(eventHandlers, namespace) ? eventHandlers[namespace as NamespaceName] : undefined;
}
