import type { SignalingModule } from '../module.js';
import { chatModule } from './chat/chatModule.js';
import { mediaModule } from './media/mediaModule.js';
import { moderationModule } from './moderation/moderationModule.js';

/** The signaling modules, in the order their data appears. Adding a module means adding it here. */
export const signalingModules: readonly SignalingModule[] = [chatModule, moderationModule, mediaModule];
