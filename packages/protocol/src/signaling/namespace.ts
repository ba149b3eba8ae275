import type { z } from 'zod';

/**
 * One signaling namespace, defined once: its name, the commands clients send in it, the events
 * the controller sends in it, and (for modules) its part of `join_success.modules`.
 * `optionalJoinData`: the module may be absent from `join_success` (media without bridges).
 */
export interface NamespaceDefinition<
  N extends string = string,
  C extends z.ZodDiscriminatedUnion = z.ZodDiscriminatedUnion,
  E extends z.ZodDiscriminatedUnion = z.ZodDiscriminatedUnion,
  J extends z.ZodType | null = z.ZodType | null,
> {
  readonly name: N;
  readonly commands: C;
  readonly events: E;
  readonly joinData: J;
  readonly optionalJoinData?: boolean;
}

/** Keeps the literal name and the exact schemas, so that everything derived from the list is typed. */
export function defineNamespace<const N extends string, C extends z.ZodDiscriminatedUnion, E extends z.ZodDiscriminatedUnion, J extends z.ZodType | null>(
  definition: NamespaceDefinition<N, C, E, J>,
): NamespaceDefinition<N, C, E, J> {
  return definition;
}
