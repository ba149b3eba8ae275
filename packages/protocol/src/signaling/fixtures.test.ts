import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CommandEnvelope, eventEnvelope } from './envelope.js';
import { namespaceDefinition, signalingNamespaces, type NamespaceName } from './namespaces.js';

/**
 * The golden frames in `packages/protocol/fixtures/signaling` (shared with the web client) must
 * match the schemas, and every command action and event message the schemas declare must have
 * at least one of them. Layout: `<namespace>/command.<action>[.<variant>].json`,
 * `<namespace>/event.<message>[.<variant>].json`, and frames the schemas must refuse in
 * `invalid/` and `<namespace>/invalid/`, each folder with its `index.json`.
 */

const fixturesDir = new URL('../../fixtures/signaling/', import.meta.url);

interface NamespaceSchemas {
  command: z.ZodDiscriminatedUnion;
  event: z.ZodDiscriminatedUnion<readonly z.ZodType<{ message: string }>[]>;
}
type Namespace = NamespaceName;
const namespaceNames: readonly NamespaceName[] = signalingNamespaces.map((definition) => definition.name);
/** The schemas of one namespace of the list. */
function schemasOf(namespace: string): NamespaceSchemas {
  const definition = namespaceDefinition(namespace);
  if (!definition) throw new Error(`no namespace ${namespace}`);
  return { command: definition.commands, event: definition.events };
}
const namespaces: Readonly<Record<string, NamespaceSchemas>> = Object.fromEntries(namespaceNames.map((name) => [name, schemasOf(name)]));

/** What each module contributes to `join_success.modules`: always, or only where the controller runs it. */
const joinData: Record<string, z.ZodType> = Object.fromEntries(
  signalingNamespaces.flatMap((d): [string, z.ZodType][] => (d.joinData !== null && d.optionalJoinData !== true ? [[d.name, d.joinData]] : [])),
);
const optionalJoinData: Record<string, z.ZodType> = Object.fromEntries(
  signalingNamespaces.flatMap((d): [string, z.ZodType][] => (d.joinData !== null && d.optionalJoinData === true ? [[d.name, d.joinData]] : [])),
);

const capitalized = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
/** The schemas `invalid/index.json` may name (`ChatCommand`, `MediaEvent`, …), each applied the way the controller applies it. */
type InvalidTarget = { kind: 'envelope' } | { kind: 'command' | 'event'; namespace: Namespace };
const invalidSchemas: Record<string, InvalidTarget> = {
  CommandEnvelope: { kind: 'envelope' },
  ...Object.fromEntries(
    namespaceNames.flatMap((name): [string, InvalidTarget][] => [
      [`${capitalized(name)}Command`, { kind: 'command', namespace: name }],
      [`${capitalized(name)}Event`, { kind: 'event', namespace: name }],
    ]),
  ),
};

const InvalidIndex = z.array(
  z.strictObject({
    file: z.string().regex(/^[a-z0-9-]+\.json$/),
    schema: z.enum(Object.keys(invalidSchemas) as [string, ...string[]]),
    reason: z.string().min(1),
  }),
);

/** The values of `key` over the options of a discriminated union, read from the schema itself. */
function discriminatorValues(union: z.ZodDiscriminatedUnion, key: string): string[] {
  return union.options.map((option) => {
    if (!(option instanceof z.ZodObject)) throw new Error(`an option of the union on "${key}" is not an object`);
    const literal: unknown = option.shape[key];
    if (!(literal instanceof z.ZodLiteral) || literal.values.size !== 1) throw new Error(`an option has no single literal "${key}"`);
    return String([...literal.values][0]);
  });
}

function readJson(url: URL): unknown {
  return JSON.parse(readFileSync(url, 'utf8'));
}

const Frame = z.object({ namespace: z.string(), payload: z.record(z.string(), z.unknown()) });

/**
 * The payload exactly as received, which is what the controller checks against the command
 * schema: the envelope's parsed copy would drop an own `__proto__` key.
 */
function rawPayload(frame: unknown): unknown {
  return (frame as { payload: unknown }).payload;
}

interface Fixture {
  path: string;
  namespace: Namespace;
  kind: 'command' | 'event';
  /** The action or message type the file name claims. */
  name: string;
  frame: unknown;
}

function loadFixtures(): Fixture[] {
  const fixtures: Fixture[] = [];
  for (const namespace of Object.keys(namespaces) as Namespace[]) {
    const dir = new URL(`${namespace}/`, fixturesDir);
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = entry.name;
      if (entry.isDirectory() && file === 'invalid') continue;
      const match = /^(command|event)\.([a-z_]+)(?:\.[a-z0-9_-]+)?\.json$/.exec(file);
      if (!match) throw new Error(`${namespace}/${file}: expected command.<action>[.<variant>].json or event.<message>[.<variant>].json`);
      const [, kind, name] = match as unknown as [string, 'command' | 'event', string];
      fixtures.push({ path: `${namespace}/${file}`, namespace, kind, name, frame: readJson(new URL(file, dir)) });
    }
  }
  return fixtures;
}

const fixtures = loadFixtures();
const commands = fixtures.filter((f) => f.kind === 'command');
const events = fixtures.filter((f) => f.kind === 'event');
/** The folders of invalid frames: `invalid/`, and `<namespace>/invalid/` where a namespace has one. */
const invalidDirs = [
  'invalid/',
  ...Object.keys(namespaces)
    .map((namespace) => `${namespace}/invalid/`)
    .filter((dir) => readdirSync(new URL(`${dir.split('/')[0]!}/`, fixturesDir)).includes('invalid')),
];
const invalidIndex = invalidDirs.flatMap((dir) => InvalidIndex.parse(readJson(new URL(`${dir}index.json`, fixturesDir))).map((entry) => ({ ...entry, dir })));

describe('signaling fixtures', () => {
  it('has one folder per namespace, besides invalid/', () => {
    const folders = readdirSync(fixturesDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(folders).toEqual([...Object.keys(namespaces), 'invalid'].sort());
  });

  describe.each(commands)('command $path', ({ namespace, name, frame }) => {
    it('parses with CommandEnvelope, then with the namespace’s command schema, unchanged', () => {
      const envelope = CommandEnvelope.parse(frame);
      expect(envelope.namespace).toBe(namespace);
      expect(envelope.payload.action).toBe(name);
      expect(envelope).toEqual(frame);
      expect(schemasOf(namespace).command.parse(rawPayload(frame))).toEqual(rawPayload(frame));
    });
  });

  describe.each(events)('event $path', ({ namespace, name, frame }) => {
    it('parses with the namespace’s event schema inside the event envelope, unchanged', () => {
      const parsed = eventEnvelope(namespace, schemasOf(namespace).event).parse(frame);
      expect(parsed.payload.message).toBe(name);
      // Events tolerate unknown fields by stripping them; a golden frame carries none.
      expect(parsed).toEqual(frame);
    });

    if (name === 'join_success') {
      it('carries join data of every module that matches the module’s schema', () => {
        const { payload } = Frame.parse(frame);
        const modules = z.record(z.string(), z.unknown()).parse(payload.modules);
        const optional = Object.keys(modules).filter((module) => !(module in joinData));
        expect(Object.keys(modules).filter((module) => module in joinData).sort()).toEqual(Object.keys(joinData).sort());
        for (const module of optional) expect(Object.keys(optionalJoinData)).toContain(module);
        for (const [module, schema] of Object.entries({ ...joinData, ...optionalJoinData })) {
          if (module in modules) expect(schema.parse(modules[module])).toEqual(modules[module]);
        }
      });
    }
  });

  it('has a join_success with the join data of each module that is not always there', () => {
    const carried = new Set(
      events
        .filter((f) => f.name === 'join_success')
        .flatMap((f) => Object.keys(z.record(z.string(), z.unknown()).parse(Frame.parse(f.frame).payload.modules))),
    );
    for (const module of Object.keys(optionalJoinData)) expect(carried).toContain(module);
  });

  describe.each([...namespaceNames])('namespace %s', (namespace) => {
    const { command, event } = schemasOf(namespace);

    it('has a fixture for every command action of the schema, and none for other actions', () => {
      const declared = discriminatorValues(command, 'action').sort();
      const covered = [...new Set(commands.filter((f) => f.namespace === namespace).map((f) => f.name))].sort();
      expect(covered).toEqual(declared);
    });

    it('has a fixture for every event message of the schema, and none for other messages', () => {
      const declared = discriminatorValues(event, 'message').sort();
      const covered = [...new Set(events.filter((f) => f.namespace === namespace).map((f) => f.name))].sort();
      expect(covered).toEqual(declared);
    });
  });

  describe('invalid frames', () => {
    it.each(invalidDirs)('are each listed once in %sindex.json, and the index names only existing files', (dir) => {
      const files = readdirSync(new URL(dir, fixturesDir))
        .filter((file) => file !== 'index.json')
        .sort();
      const listed = invalidIndex.filter((entry) => entry.dir === dir).map((entry) => entry.file);
      expect(new Set(listed).size).toBe(listed.length);
      expect([...listed].sort()).toEqual(files);
    });

    it.each(invalidIndex)('$dir$file is refused by $schema', ({ dir, file, schema }) => {
      const frame = readJson(new URL(`${dir}${file}`, fixturesDir));
      const target = invalidSchemas[schema];
      if (!target) throw new Error(`no schema ${schema}`);
      switch (target.kind) {
        case 'envelope':
          expect(CommandEnvelope.safeParse(frame).success).toBe(false);
          return;
        case 'command': {
          // It passes the envelope, so it is the namespace's command schema that refuses it.
          const envelope = CommandEnvelope.parse(frame);
          expect(envelope.namespace).toBe(target.namespace);
          expect(schemasOf(target.namespace).command.safeParse(rawPayload(frame)).success).toBe(false);
          return;
        }
        case 'event':
          expect(eventEnvelope(target.namespace, schemasOf(target.namespace).event).safeParse(frame).success).toBe(false);
          return;
      }
    });
  });
});
