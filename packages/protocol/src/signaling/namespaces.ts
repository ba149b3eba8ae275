import type { z } from 'zod';
import { chatDefinition } from './chat.js';
import { controlDefinition } from './control.js';
import { mediaDefinition } from './media.js';
import { moderationDefinition } from './moderation.js';

/**
 * Every signaling namespace: the only list. Envelope checks, the fixture and fuzz tests, the
 * test clients' contract check and the web client's command type are derived from it; a new
 * module's namespace is one line here.
 */
export const signalingNamespaces = [controlDefinition, chatDefinition, moderationDefinition, mediaDefinition] as const;

type Definitions = (typeof signalingNamespaces)[number];
export type NamespaceName = Definitions['name'];
type DefinitionOf<N extends NamespaceName> = Extract<Definitions, { name: N }>;
/** The commands of namespace `N`, as parsed. */
export type CommandOf<N extends NamespaceName> = z.infer<DefinitionOf<N>['commands']>;
/** The event payloads of namespace `N`. */
export type EventOf<N extends NamespaceName> = z.infer<DefinitionOf<N>['events']>;
/** Namespace `N`'s part of `join_success.modules` (`never` for a namespace without one). */
export type JoinDataOf<N extends NamespaceName> = DefinitionOf<N>['joinData'] extends z.ZodType ? z.infer<DefinitionOf<N>['joinData']> : never;
/** Every namespace's commands, by name: what a client may send. */
export type CommandsByNamespace = { [N in NamespaceName]: CommandOf<N> };

/** The definition of `name`, if it is one of ours. */
export function namespaceDefinition(name: string): Definitions | undefined {
  return signalingNamespaces.find((definition) => definition.name === name);
}
