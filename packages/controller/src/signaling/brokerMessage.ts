import { z } from 'zod';

/**
 * What controllers send each other through the broker, validated on receipt like any input.
 * `event`: forward to the addressed participants as an event. `internal`: hand to the
 * addressed participants' module instance (or, for `control`, to the runtime).
 */
export const BrokerMessage = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('event'),
    namespace: z.string().min(1).max(32),
    timestamp: z.iso.datetime(),
    payload: z.looseObject({ message: z.string() }),
    /** Only moderators receive it. */
    moderatorsOnly: z.boolean().optional(),
    /** Everyone addressed except this participant (the sender already knows). */
    except: z.string().optional(),
  }),
  z.object({
    kind: z.literal('internal'),
    namespace: z.string().min(1).max(32),
    payload: z.unknown(),
  }),
]);
export type BrokerMessage = z.infer<typeof BrokerMessage>;

/** Runtime-level internal messages (namespace `control`). */
export const ControlInternal = z.discriminatedUnion('type', [
  /** The participant resumed on another connection: the old one closes quietly. */
  z.object({ type: z.literal('replaced'), connectionId: z.string() }),
  /** A moderator changed the participant's role. */
  z.object({ type: z.literal('role'), moderator: z.boolean() }),
]);
export type ControlInternal = z.infer<typeof ControlInternal>;
