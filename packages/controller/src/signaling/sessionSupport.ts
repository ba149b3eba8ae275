import { z } from 'zod';

/** What a resumption token, kept under its hash, points to. */
export const ResumptionRecord = z.object({
  roomId: z.string(),
  participantId: z.string(),
  /** `user:<id>` or `guest:<id>`: only the same identity may resume. */
  identity: z.string(),
});
export type ResumptionRecord = z.infer<typeof ResumptionRecord>;

const actionCache = new WeakMap<z.ZodType, ReadonlySet<string>>();

/**
 * The `action` values a command schema (a discriminated union on `action`) accepts, so that an
 * unknown action gets its own error code rather than a schema error.
 */
export function actionsOf(schema: z.ZodType): ReadonlySet<string> {
  const cached = actionCache.get(schema);
  if (cached) return cached;
  const actions = new Set<string>();
  if (schema instanceof z.ZodDiscriminatedUnion) {
    for (const option of schema.options) {
      if (option instanceof z.ZodObject) {
        const action: unknown = option.shape.action;
        if (action instanceof z.ZodLiteral) for (const value of action.values) actions.add(String(value));
      }
    }
  }
  actionCache.set(schema, actions);
  return actions;
}
