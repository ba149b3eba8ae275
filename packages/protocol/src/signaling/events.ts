import { z } from 'zod';
import { controlNamespace } from './control.js';
import { AnyEvent } from './envelope.js';
import { signalingNamespaces } from './namespaces.js';

/** Every namespace the controller sends events in, with the schema of their payloads (from the one list). */
export const eventSchemas: Readonly<Record<string, z.ZodDiscriminatedUnion>> = Object.fromEntries(signalingNamespaces.map((definition) => [definition.name, definition.events]));

/** Each module's part of `join_success.modules`, by namespace (a module may send none). */
export const joinDataSchemas: Readonly<Record<string, z.ZodType>> = Object.fromEntries(
  signalingNamespaces.flatMap((definition) => (definition.joinData === null ? [] : [[definition.name, definition.joinData] as const])),
);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The paths of what `schema` would drop or change from `input`. The schemas are lenient
 * (`z.object` strips unknown keys, so clients accept fields added later); a field the schema
 * does not declare, at any depth, is what parsing removes.
 */
function undeclared(input: unknown, output: unknown, path: string, found: string[]): void {
  if (Array.isArray(input) && Array.isArray(output)) {
    input.forEach((item, index) => undeclared(item, output[index], `${path}[${index}]`, found));
  } else if (isRecord(input) && isRecord(output)) {
    for (const [key, value] of Object.entries(input)) {
      if (key in output) undeclared(value, output[key], path === '' ? key : `${path}.${key}`, found);
      else found.push(`undeclared field "${path === '' ? key : `${path}.${key}`}"`);
    }
  } else if (!Object.is(input, output)) {
    found.push(`"${path}" changed by the schema`);
  }
}

/** Checks `value` against `schema`, refusing fields it does not declare; returns the problems. */
function strictProblems(schema: z.ZodType, value: unknown, prefix: string): string[] {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => `${[prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.') || '(frame)'}: ${issue.message}`);
  }
  const found: string[] = [];
  undeclared(value, parsed.data, prefix, found);
  return found;
}

/**
 * Why `frame` (a received frame, parsed from JSON) is not an event of the contract, or
 * `undefined` if it is one. Stricter than the clients, for tests of the controller: the
 * namespace and `message` must be known, every field the schema requires present, and no field
 * the schema does not declare present, at any depth; `join_success` also has each module's
 * join data checked the same way.
 */
export function eventContractViolation(frame: unknown): string | undefined {
  const envelope = AnyEvent.safeParse(frame);
  if (!envelope.success) return `not an event envelope: ${strictProblems(AnyEvent, frame, '').join('; ')}`;
  const { namespace, payload } = envelope.data;
  if (!Object.hasOwn(eventSchemas, namespace)) return `unknown namespace "${namespace}"`;
  const schema = eventSchemas[namespace];
  if (!schema) return `unknown namespace "${namespace}"`;
  const where = `${namespace}/${payload.message}`;
  const known = schema.options.some((option) => {
    const literal: unknown = option instanceof z.ZodObject ? option.shape.message : undefined;
    return literal instanceof z.ZodLiteral && literal.values.has(payload.message);
  });
  if (!known) {
    return `${where}: unknown message "${payload.message}" in namespace "${namespace}"`;
  }
  const problems = strictProblems(z.object({ namespace: z.string(), timestamp: z.iso.datetime(), payload: schema }), frame, '');
  if (namespace === controlNamespace && payload.message === 'join_success' && isRecord(payload.modules)) {
    for (const [module, data] of Object.entries(payload.modules)) {
      if (!Object.hasOwn(joinDataSchemas, module)) problems.push(`payload.modules.${module}: no module "${module}" has join data`);
      else problems.push(...strictProblems(joinDataSchemas[module] ?? z.never(), data, `payload.modules.${module}`));
    }
  }
  return problems.length === 0 ? undefined : `${where}: ${problems.join('; ')}`;
}
