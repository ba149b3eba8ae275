import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ChatCommand,
  CommandEnvelope,
  ControlCommand,
  ErrorPayload,
  Invite,
  mediaNamespace,
  Participant,
  signalingNamespaces,
  StartInvitedResponse,
  StartResponse,
  maxFrameBytes,
  type SignalingErrorCode,
} from '@plenum/protocol';
import { apiClient, json, type Api } from '../src/test-support/apiClient.js';
import { devLogin } from '../src/test-support/devLogin.js';
import { SignalingClient, type Event } from '../src/test-support/signalingClient.js';
import { startTestApp, type TestApp } from '../src/test-support/testApp.js';

/*
 * Property-based fuzzing of the signaling socket. Several attacker connections pour random and
 * malformed frames into a room in which well-behaved clients keep working. A small model of
 * the frame gate (size, binary, JSON, envelope, namespace, action, joined, schema, permission)
 * predicts, per attacker connection, the exact sequence of error events; since a session
 * handles its frames one at a time and in order, a sentinel frame at the end of each batch
 * tells when the batch is done, and the errors received up to it must equal the prediction.
 */

const runs = 25;
const framesPerRun = 420;

// --- the frames ------------------------------------------------------------------------------

interface Frame {
  readonly kind: string;
  readonly data: Buffer;
  readonly binary: boolean;
}

/** A short, printable description: fast-check prints counterexamples, and frames can be 200 KiB. */
function describeFrame(frame: Frame): string {
  const head = frame.binary ? frame.data.subarray(0, 48).toString('hex') : JSON.stringify(frame.data.subarray(0, 300).toString('utf8'));
  return `${frame.kind}${frame.binary ? ' (binary)' : ''} ${frame.data.length} B: ${head}${frame.data.length > 300 ? '…' : ''}`;
}

function makeFrame(kind: string, data: Buffer, binary = false): Frame {
  return { kind, data, binary, [fc.toStringMethod]: () => describeFrame({ kind, data, binary }) } as Frame;
}

const textFrame = (kind: string) => (text: string) => makeFrame(kind, Buffer.from(text, 'utf8'));
const jsonFrame = (kind: string) => (value: unknown) => makeFrame(kind, Buffer.from(JSON.stringify(value), 'utf8'));

/**
 * The namespaces fuzzed, from the protocol's one list. Media is left out: its answers depend on
 * the conference's bridge, not on the frame alone, so the model below cannot predict them.
 */
const fuzzed = signalingNamespaces.filter((definition) => definition.name !== mediaNamespace);
type Namespace = (typeof fuzzed)[number]['name'];
const namespaces: readonly Namespace[] = fuzzed.map((definition) => definition.name);
const commandSchemas: Readonly<Record<string, z.ZodDiscriminatedUnion>> = Object.fromEntries(fuzzed.map((definition) => [definition.name, definition.commands]));
/** Each option of a command union, by its `action`, read from the schema itself. */
const commandOptions = fuzzed.flatMap((definition) =>
  definition.commands.options.map((option) => {
    if (!(option instanceof z.ZodObject)) throw new Error(`a ${definition.name} command is not an object`);
    const literal: unknown = option.shape.action;
    if (!(literal instanceof z.ZodLiteral)) throw new Error(`a ${definition.name} command has no literal action`);
    return { namespace: definition.name, action: String([...literal.values][0]), fields: Object.keys(option.shape).filter((key) => key !== 'action') };
  }),
);
const actions: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  namespaces.map((namespace) => [namespace, commandOptions.filter((o) => o.namespace === namespace).map((o) => o.action)]),
);
const knownPairs = commandOptions.map(({ namespace, action }) => [namespace, action] as const);

/** The fields each action takes, from its schema. */
const fieldsOf: Record<string, readonly string[]> = Object.fromEntries(commandOptions.map((o) => [o.action, o.fields]));

const weirdNames = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  'control ',
  'Control',
  'CHAT',
  'chat\u0000',
  'x'.repeat(33),
  'y'.repeat(65),
  '\u202econtrol',
  '😀'.repeat(17),
];

/**
 * Every kind of bad (and some good) frame. `targets` are IDs of real participants (the
 * well-behaved clients), so that a moderator command that wrongly got through would hurt.
 */
function frameArbitrary(targets: readonly string[]): fc.Arbitrary<Frame> {
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const target = fc.oneof(fc.constantFrom(...targets), fc.uuid());
  const displayName = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 110 }));
  const goodValue: Record<string, fc.Arbitrary<unknown>> = {
    displayName,
    resumption: fc.oneof(fc.string({ maxLength: 64 }), fc.constant('r'.repeat(65))),
    token: fc.oneof(
      fc.string({ minLength: 1, maxLength: 60 }),
      fc.constant('eyJhbGciOiJSUzI1NiIsImtpZCI6Im5vcGUifQ.eyJzdWIiOiJhbGljZSJ9.c2ln'),
      fc.constant('t'.repeat(8193)),
      fc.constant(''),
    ),
    content: fc.oneof(
      fc.string({ minLength: 1, maxLength: 200 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
      fc.constantFrom(' ', '\n\t', 'x'.repeat(4001), ` ${'x'.repeat(4000)} `, '<script>alert(1)</script>'),
    ),
    target: fc.oneof(target, fc.string({ maxLength: 40 }), fc.constantFrom('__proto__', '00000000-0000-0000-0000-000000000000')),
    targets: fc.oneof(fc.array(target, { minLength: 1, maxLength: 3 }), fc.constant([]), fc.array(fc.uuid(), { minLength: 1001, maxLength: 1001 })),
  };

  const rawText = fc
    .oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.constantFrom(
        '',
        '{',
        '}',
        '[]',
        'null',
        'true',
        '0',
        '"control"',
        'NaN',
        'undefined',
        '{namespace:"control",payload:{action:"raise_hand"}}',
        "{'namespace':'control','payload':{'action':'raise_hand'}}",
        '\uFEFF{"namespace":"control","payload":{"action":"raise_hand"}}',
        '{"namespace":"control","payload":{"action":"raise_hand"}',
        '{"namespace":"control","payload":{"action":"raise_hand"}}}',
        '{"namespace":"control","payload":{"action":"raise_hand"}} {}',
        '{"namespace":"control","payload":{"action":"raise_hand",}}',
      ),
    )
    .map(textFrame('raw-text'));

  const binary = fc
    .oneof(
      fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes)),
      fc.constantFrom(...knownPairs).map(([namespace, action]) => Buffer.from(JSON.stringify({ namespace, payload: { action } }))),
      fc.constant(Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x7d])),
    )
    .map((data) => makeFrame('binary', data, true));

  const jsonShape = anyJson.map(jsonFrame('json-shape'));

  const name = fc.oneof(
    fc.constantFrom(...namespaces),
    fc.constantFrom(...weirdNames),
    fc.string({ maxLength: 40 }),
    fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.constant([]), fc.constant({})),
  );
  const action = fc.oneof(
    fc.constantFrom(...knownPairs.map(([, a]) => a)),
    fc.constantFrom(...weirdNames),
    fc.string({ maxLength: 70 }),
    fc.oneof(fc.integer(), fc.constant(null), fc.constant(['join']), fc.constant({ action: 'join' })),
  );
  const extras = fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('action', 'target', 'content')), anyJson, { maxKeys: 2 });
  const envelope = fc
    .record(
      {
        namespace: name,
        payload: fc.oneof(fc.tuple(action, extras).map(([a, rest]) => ({ ...rest, action: a })), anyJson),
        extra: anyJson,
      },
      { requiredKeys: [] },
    )
    .map(jsonFrame('envelope'));

  // A known namespace and action with each field missing, well-typed, or of arbitrary JSON.
  const mistyped = fc
    .constantFrom(...knownPairs)
    .chain(([namespace, act]) =>
      fc
        .tuple(
          fc.tuple(...(fieldsOf[act] ?? []).map((field) => fc.option(fc.oneof(goodValue[field]!, anyJson), { nil: undefined }))),
          fc.option(fc.tuple(fc.string({ maxLength: 12 }), anyJson), { nil: undefined }),
        )
        .map(([values, extra]) => {
          const payload: Record<string, unknown> = { action: act };
          (fieldsOf[act] ?? []).forEach((field, i) => {
            if (values[i] !== undefined) payload[field] = values[i];
          });
          if (extra) payload[extra[0]] = extra[1];
          return { namespace, payload };
        }),
    )
    .map(jsonFrame('mistyped'));

  // Well-formed commands an ordinary participant may send (never `leave`).
  const valid = fc
    .oneof(
      {
        weight: 1,
        arbitrary: fc
          .record({ action: fc.constant('join'), displayName, resumption: fc.string({ maxLength: 64 }) }, { requiredKeys: ['action'] })
          .map((p) => ['control', p] as const),
      },
      { weight: 2, arbitrary: fc.constantFrom('raise_hand', 'lower_hand').map((a) => ['control', { action: a }] as const) },
      { weight: 2, arbitrary: displayName.map((d) => ['control', { action: 'set_display_name', displayName: d }] as const) },
      { weight: 1, arbitrary: goodValue.token!.map((token) => ['control', { action: 'refresh_token', token }] as const) },
      {
        weight: 3,
        arbitrary: fc
          .record({ action: fc.constant('send_message'), content: goodValue.content!, target: fc.uuid() }, { requiredKeys: ['action', 'content'] })
          .map((p) => ['chat', p] as const),
      },
    )
    .map(([namespace, payload]) => ({ namespace, payload }))
    .map(jsonFrame('valid'));

  // Well-formed moderator commands, aimed at the real participants where they take a target.
  const moderatorOnly = fc
    .oneof(
      fc.tuple(fc.constantFrom('grant_moderator', 'revoke_moderator'), target).map(([a, t]) => ({ namespace: 'control', payload: { action: a, target: t } })),
      fc.constantFrom('enable_chat', 'disable_chat', 'clear_history').map((a) => ({ namespace: 'chat', payload: { action: a } })),
      fc
        .tuple(fc.constantFrom('kick', 'ban', 'accept', 'deny', 'send_to_waiting_room'), target)
        .map(([a, t]) => ({ namespace: 'moderation', payload: { action: a, target: t } })),
      fc.constantFrom('enable_waiting_room', 'disable_waiting_room', 'end_meeting').map((a) => ({ namespace: 'moderation', payload: { action: a } })),
      fc.array(target, { minLength: 1, maxLength: 3 }).map((t) => ({ namespace: 'moderation', payload: { action: 'request_mute', targets: t } })),
    )
    .map(jsonFrame('moderator-only'));

  // Larger than the 64 KiB limit (up to 200 KiB), counted in bytes, not characters.
  const huge = fc
    .tuple(
      fc.integer({ min: maxFrameBytes + 1, max: 200 * 1024 }),
      fc.constantFrom('x', 'é', '€', '😀'),
      fc.constantFrom('chat', 'raw', 'whitespace', 'array', 'binary'),
    )
    .map(([bytes, unit, shape]) => {
      const fill = (n: number) => unit.repeat(Math.ceil(n / Buffer.byteLength(unit)));
      if (shape === 'binary') return makeFrame('huge', Buffer.alloc(bytes, 0x7b), true);
      if (shape === 'raw') return textFrame('huge')(fill(bytes));
      if (shape === 'whitespace') return textFrame('huge')(`${' '.repeat(bytes)}{"namespace":"control","payload":{"action":"raise_hand"}}`);
      if (shape === 'array') return textFrame('huge')(JSON.stringify(Array.from({ length: Math.ceil(bytes / 2) }, () => 0)));
      return jsonFrame('huge')({ namespace: 'chat', payload: { action: 'send_message', content: fill(bytes) } });
    });

  // Right at the limit: a valid command padded with leading whitespace to 65,530–65,542 bytes.
  const command = fc.constantFrom(
    '{"namespace":"control","payload":{"action":"raise_hand"}}',
    '{"namespace":"chat","payload":{"action":"send_message","content":"at the limit"}}',
    '{"namespace":"moderation","payload":{"action":"end_meeting"}}',
  );
  const boundary = fc
    .tuple(fc.integer({ min: maxFrameBytes - 6, max: maxFrameBytes + 6 }), command)
    .map(([bytes, text]) => textFrame('boundary')(' '.repeat(Math.max(0, bytes - text.length)) + text));

  // Deeply nested JSON, bare or where the envelope or a command expects something else.
  const deep = fc
    .tuple(fc.integer({ min: 1, max: 40_000 }), fc.constantFrom('array', 'object', 'unbalanced', 'payload', 'content', 'namespace', 'join'))
    .map(([depth, where]) => {
      const arrays = '['.repeat(depth) + ']'.repeat(depth);
      const objects = '{"a":'.repeat(Math.ceil(depth / 3)) + '1' + '}'.repeat(Math.ceil(depth / 3));
      const text = {
        array: arrays,
        object: objects,
        unbalanced: '['.repeat(depth),
        payload: `{"namespace":"chat","payload":{"action":"send_message","content":"x","deep":${arrays}}}`,
        content: `{"namespace":"chat","payload":{"action":"send_message","content":${objects}}}`,
        namespace: `{"namespace":${arrays},"payload":{"action":"raise_hand"}}`,
        join: `{"namespace":"control","payload":{"action":"join","displayName":${arrays}}}`,
      }[where];
      return textFrame(`deep-${where}`)(text);
    });

  // Prototype-pollution keys in the envelope, in the payload, or as the only payload key.
  const pollution = fc
    .tuple(
      fc.constantFrom('__proto__', 'constructor', 'prototype'),
      fc.oneof(
        fc.constantFrom('{"polluted":true}', '{"prototype":{"polluted":true}}', '{"role":"moderator"}', '{"action":"leave"}', 'null', '1'),
        anyJson.map((v) => JSON.stringify(v)),
      ),
      fc.constantFrom('envelope', 'payload', 'payload-only', 'nested'),
      fc.oneof(
        fc.constantFrom(...knownPairs).map(([namespace, a]) => JSON.stringify({ namespace, payload: { action: a } })),
        valid.map((f) => f.data.toString('utf8')),
        moderatorOnly.map((f) => f.data.toString('utf8')),
        fc.constantFrom(
          '{"namespace":"control","payload":{"action":"join","displayName":"Proto"}}',
          '{"namespace":"chat","payload":{"action":"send_message","content":"proto"}}',
        ),
      ),
    )
    .map(([key, value, where, base]) => {
      const property = `"${key}":${value}`;
      const text =
        where === 'envelope'
          ? base.replace(/^\{/, `{${property},`)
          : where === 'payload'
            ? base.replace('"payload":{', `"payload":{${property},`)
            : where === 'payload-only'
              ? base.replace(/"payload":\{.*\}\}$/, `"payload":{${property}}}`)
              : base.replace('"payload":{', `"payload":{"content":{${property}},`);
      return textFrame(`pollution-${where}`)(text);
    });

  return fc
    .oneof(
      { weight: 3, arbitrary: rawText },
      { weight: 2, arbitrary: binary },
      { weight: 3, arbitrary: jsonShape },
      { weight: 5, arbitrary: envelope },
      { weight: 6, arbitrary: mistyped },
      { weight: 4, arbitrary: valid },
      { weight: 4, arbitrary: moderatorOnly },
      { weight: 1, arbitrary: huge },
      { weight: 1, arbitrary: boundary },
      { weight: 1, arbitrary: deep },
      { weight: 3, arbitrary: pollution },
    )
    .filter((frame) => !isWellFormedLeave(frame));
}

function parseText(frame: Frame): { ok: true; json: unknown } | { ok: false } {
  if (frame.binary) return { ok: false };
  try {
    return { ok: true, json: JSON.parse(frame.data.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Attackers never leave: a well-formed `control/leave` would close their socket by design. */
function isWellFormedLeave(frame: Frame): boolean {
  if (frame.data.length > maxFrameBytes) return false;
  const parsed = parseText(frame);
  if (!parsed.ok || !CommandEnvelope.safeParse(parsed.json).success) return false;
  const { namespace, payload } = parsed.json as { namespace: string; payload: unknown };
  const command = ControlCommand.safeParse(payload);
  return namespace === 'control' && command.success && command.data.action === 'leave';
}

// --- the model of the frame gate -------------------------------------------------------------

interface Expected {
  namespace: string;
  error: SignalingErrorCode;
}

/**
 * What the controller must answer to `frame` from a non-moderator that has (or has not yet)
 * joined: one error, or none (a valid command, answered by ordinary events). Commands are
 * checked against the payload as sent, so unknown keys such as `__proto__` are refused too.
 */
function predict(frame: Frame, joined: boolean, present: ReadonlySet<string>): { expected: Expected | null; joins: boolean } {
  const fail = (namespace: string, error: SignalingErrorCode) => ({ expected: { namespace, error }, joins: false });
  const pass = (joins = false) => ({ expected: null, joins });
  if (frame.data.length > maxFrameBytes) return fail('control', 'frame_too_large');
  const parsed = parseText(frame);
  if (!parsed.ok) return fail('control', 'invalid_json');
  if (!CommandEnvelope.safeParse(parsed.json).success) return fail('control', 'invalid_envelope');
  const { namespace, payload } = parsed.json as { namespace: string; payload: { action: string } };
  if (!namespaces.includes(namespace as Namespace)) return fail('control', 'unknown_namespace');
  const ns = namespace as Namespace;
  if (!(actions[ns] ?? []).includes(payload.action)) return fail(ns, 'unknown_action');
  if (ns === 'control') {
    const command = ControlCommand.safeParse(payload);
    if (!command.success) return fail(ns, 'invalid_payload');
    switch (command.data.action) {
      case 'refresh_token':
        return fail(ns, 'invalid_token');
      case 'join':
        return joined ? fail(ns, 'already_joined') : pass(true);
      case 'leave':
        throw new Error('attackers do not leave');
      default:
        if (!joined) return fail(ns, 'not_joined');
        if (command.data.action === 'grant_moderator' || command.data.action === 'revoke_moderator') return fail(ns, 'insufficient_permissions');
        return pass();
    }
  }
  if (!joined) return fail(ns, 'not_joined');
  const schema = commandSchemas[ns];
  if (!schema) throw new Error(`no schema for ${ns}`);
  const command = schema.safeParse(payload);
  if (!command.success) return fail(ns, 'invalid_payload');
  if (ns === 'chat' && payload.action === 'send_message') {
    const target = (command.data as ChatCommand & { action: 'send_message' }).target;
    return target === undefined || present.has(target) ? pass() : fail(ns, 'unknown_participant');
  }
  return fail(ns, 'insufficient_permissions');
}

// --- helpers ---------------------------------------------------------------------------------

function isError(event: Event): boolean {
  return event.payload.message === 'error';
}

interface Summary {
  displayName: string;
  role: string;
  handRaised: boolean;
}

/** The room as a client sees it from its `join_success` and the `joined`/`left`/`update` events since. */
function viewOf(client: SignalingClient): Map<string, Summary> {
  const view = new Map<string, Summary>();
  const put = (p: Participant) => view.set(p.id, { displayName: p.displayName, role: p.role, handRaised: p.handRaised });
  for (const { namespace, payload } of client.events) {
    if (namespace !== 'control') continue;
    if (payload.message === 'join_success') Participant.array().parse(payload.participants).forEach(put);
    if (payload.message === 'joined' || payload.message === 'update') put(Participant.parse(payload.participant));
    if (payload.message === 'left') view.delete(String(payload.id));
  }
  return view;
}

async function waitOrExplain(client: SignalingClient, match: (event: Event) => boolean, after: number, what: string): Promise<Event> {
  try {
    return await client.waitFor(match, { after, timeoutMs: 30_000 });
  } catch {
    const tail = client.events
      .slice(-10)
      .map((e) => `${e.namespace}/${e.payload.message}${isError(e) ? `:${String(e.payload.error)}` : ''}`);
    throw new Error(`${what}: timed out (socket close code ${String(client.closeCode)}); last events: ${tail.join(', ')}`);
  }
}

// --- the storm -------------------------------------------------------------------------------

describe('signaling fuzz: random and malformed frames from several attackers', () => {
  let t: TestApp;
  let alice: Api;
  let bob: Api;
  let carol: Api;
  let roomId: string;
  let inviteCode: string;
  let owner: { client: SignalingClient; id: string };
  let member: { client: SignalingClient; id: string };
  const attackers: { name: string; client: SignalingClient; joined: boolean }[] = [];
  let framesSent = 0;
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  async function ticket(api: Api): Promise<string> {
    return StartResponse.parse((await api('POST', `/v1/rooms/${roomId}/start`, {})).body).ticket;
  }
  async function guestTicket(displayName: string): Promise<string> {
    const start = await apiClient(t.baseUrl)('POST', `/v1/rooms/${roomId}/start_invited`, { inviteCode, displayName });
    return StartInvitedResponse.parse(start.body).ticket;
  }
  async function joined(ticketValue: string): Promise<{ client: SignalingClient; id: string; role: string }> {
    const client = await SignalingClient.connect(t.baseUrl, ticketValue);
    client.send('control', { action: 'join' });
    const success = await client.next('control', 'join_success');
    return { client, id: String(success.id), role: String(success.role) };
  }

  beforeAll(async () => {
    // The rate limiter would otherwise answer most frames itself (the rate is capped at 10,000/s);
    // attackers stay unjoined until a random `control/join`, so the join timeout must not cut them.
    t = await startTestApp({
      env: { PLENUM_SIGNALING_RATE: '10000', PLENUM_SIGNALING_BURST: '100000', PLENUM_SIGNALING_JOIN_TIMEOUT: '600' },
    });
    [alice, bob, carol] = await Promise.all(
      ['alice', 'bob', 'carol'].map(async (user) => apiClient(t.baseUrl, (await devLogin(t.baseUrl, user, 'test-password')).accessToken)),
    ) as [Api, Api, Api];
    roomId = String(json(await alice('POST', '/v1/rooms', { name: 'Fuzz' })).id);
    inviteCode = Invite.parse((await alice('POST', `/v1/rooms/${roomId}/invites`, {})).body).code;

    // Well-behaved: the owner (alice, moderator) and bob.
    const o = await joined(await ticket(alice));
    expect(o.role).toBe('moderator');
    owner = o;
    const m = await joined(await ticket(bob));
    expect(m.role).toBe('user');
    member = m;

    // Attackers: none may moderate, so alice (the owner) is not among them. They start out
    // unjoined; a random well-formed `control/join` lets them in.
    const connections: [string, Promise<string>][] = [
      ['bob (second connection)', ticket(bob)],
      ['carol', ticket(carol)],
      ['guest Mallory', guestTicket('Mallory')],
      ['guest Trudy', guestTicket('Trudy')],
    ];
    for (const [name, pending] of connections) attackers.push({ name, client: await SignalingClient.connect(t.baseUrl, await pending), joined: false });
  });

  afterAll(async () => {
    for (const client of [owner.client, member.client, ...attackers.map((a) => a.client)]) client.close();
    await t.close();
  });

  it('refuses prototype-pollution keys like any other unknown key', async () => {
    // Control commands are checked before the joined state, so an unjoined connection will do.
    const client = await SignalingClient.connect(t.baseUrl, await ticket(carol));
    const cases: [string, SignalingErrorCode][] = [
      ['{"namespace":"control","payload":{"action":"raise_hand","__proto__":{"role":"moderator"}}}', 'invalid_payload'],
      ['{"namespace":"control","payload":{"__proto__":1,"action":"set_display_name","displayName":"Proto"}}', 'invalid_payload'],
      ['{"namespace":"control","payload":{"action":"join","__proto__":{}}}', 'invalid_payload'],
      ['{"namespace":"control","payload":{"action":"leave","__proto__":null}}', 'invalid_payload'],
      ['{"namespace":"control","payload":{"action":"raise_hand","constructor":{"prototype":{"polluted":true}}}}', 'invalid_payload'],
      ['{"__proto__":{},"namespace":"control","payload":{"action":"raise_hand"}}', 'invalid_envelope'],
      ['{"namespace":"control","payload":{"__proto__":{"action":"raise_hand"}}}', 'invalid_envelope'],
      ['{"namespace":"__proto__","payload":{"action":"raise_hand"}}', 'unknown_namespace'],
      ['{"namespace":"control","payload":{"action":"__proto__"}}', 'unknown_action'],
      ['{"namespace":"chat","payload":{"action":"constructor"}}', 'unknown_action'],
    ];
    for (const [text] of cases) client.sendRaw(text);
    client.send('control', { action: 'sentinel' });
    await client.waitFor((e) => e.payload.error === 'unknown_action' && String(e.payload.text).includes('sentinel')).catch(() => undefined);
    const answers = client.events.map((e) => (isError(e) ? String(e.payload.error) : e.payload.message));
    expect({ answers, closeCode: client.closeCode }).toEqual({ answers: [...cases.map(([, code]) => code), 'unknown_action'], closeCode: undefined });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).role).toBeUndefined();
    client.close();
  });

  it('answers every bad frame with exactly one error, closes no connection and keeps serving', async () => {
    const present = new Set([owner.id, member.id]);
    const item = fc.record({ attacker: fc.integer({ min: 0, max: attackers.length - 1 }), frame: frameArbitrary([owner.id, member.id]) });
    let run = 0;
    const coverage = new Map<string, number>();

    const property = fc.asyncProperty(fc.array(item, { minLength: framesPerRun, maxLength: framesPerRun }), async (items) => {
      run += 1;
      const starts = attackers.map((a) => a.client.events.length);
      const ownerStart = owner.client.events.length;
      const expected: { frame: Frame | undefined; expected: Expected }[][] = attackers.map(() => []);

      // The well-behaved clients keep talking through the storm.
      const tick = `tick ${run} ${randomUUID()}`;
      member.client.send('chat', { action: 'send_message', content: tick });

      for (const { attacker, frame } of items) {
        const a = attackers[attacker]!;
        const outcome = predict(frame, a.joined, present);
        if (outcome.joins) a.joined = true;
        if (outcome.expected) expected[attacker]!.push({ frame, expected: outcome.expected });
        const tally = outcome.expected?.error ?? 'no error';
        coverage.set(tally, (coverage.get(tally) ?? 0) + 1);
        coverage.set(frame.kind, (coverage.get(frame.kind) ?? 0) + 1);
        a.client.socket.send(frame.data, { binary: frame.binary });
        framesSent += 1;
      }

      await Promise.all(
        attackers.map(async (a, i) => {
          const sentinel = `sentinel-${run}-${i}-${randomUUID()}`;
          a.client.send('control', { action: sentinel });
          expected[i]!.push({ frame: undefined, expected: { namespace: 'control', error: 'unknown_action' } });
          await waitOrExplain(a.client, (e) => isError(e) && String(e.payload.text).includes(sentinel), starts[i]!, `${a.name}: sentinel`);

          const errors = a.client.events.slice(starts[i]).filter(isError);
          for (const e of errors) ErrorPayload.parse(e.payload);
          const got = errors.map((e) => ({ namespace: e.namespace, error: String(e.payload.error) }));
          const want = expected[i]!.map((x) => x.expected);
          const first = want.findIndex((w, k) => got[k]?.namespace !== w.namespace || got[k].error !== w.error);
          if (first !== -1 || got.length !== want.length) {
            const k = first === -1 ? Math.min(got.length, want.length) : first;
            // An error missing (or extra) shifts the rest: show the frames and errors from there on.
            const lines = [0, 1, 2].map((d) => {
              const x = expected[i]![k + d];
              const e = errors[k + d];
              return (
                `  #${k + d}: expected ${x ? `${x.expected.namespace}/${x.expected.error}` : '-'}, ` +
                `got ${e ? `${e.namespace}/${String(e.payload.error)} ${JSON.stringify(e.payload.text)}` : '-'}; ` +
                `frame ${x?.frame ? describeFrame(x.frame) : x ? 'sentinel' : '-'}`
              );
            });
            throw new Error(`${a.name}: ${got.length} errors for ${want.length} bad frames (run ${run})\n${lines.join('\n')}`);
          }
        }),
      );

      for (const a of attackers) expect(a.client.closeCode, `${a.name} was disconnected`).toBeUndefined();
      expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
      const ticked = (e: Event) => e.namespace === 'chat' && (e.payload.chatMessage as { content?: string } | undefined)?.content === tick;
      await waitOrExplain(owner.client, ticked, ownerStart, 'owner: chat during the storm');
    });

    // fc.check rather than fc.assert: a counterexample holds hundreds of frames of up to 200 KiB.
    const details = await fc.check(property, { numRuns: runs, endOnFailure: true });
    if (details.failed) {
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(`failed in run ${details.numRuns} (seed ${details.seed}, path ${String(details.counterexamplePath)}): ${cause}`);
    }
    expect(framesSent).toBeGreaterThanOrEqual(10_000);
    // The generators reached every branch of the gate they aim at.
    const missing = [
      ...['frame_too_large', 'invalid_json', 'invalid_envelope', 'unknown_namespace', 'unknown_action', 'invalid_payload'],
      ...['invalid_token', 'not_joined', 'already_joined', 'insufficient_permissions', 'unknown_participant', 'no error'],
      ...['huge', 'boundary', 'binary', 'deep-array', 'pollution-payload', 'moderator-only', 'valid', 'mistyped', 'envelope'],
    ].filter((key) => !coverage.has(key));
    expect(missing, 'never generated').toEqual([]);
    expect(attackers.filter((a) => !a.joined).map((a) => a.name), 'never joined').toEqual([]);
  }, 180_000);

  it('leaves the well-behaved clients with a consistent room', async () => {
    // Nobody polluted a prototype (the controller runs in this process).
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // The attackers that joined did so once, and none as moderator.
    const attackerIds = new Map<string, string>();
    for (const a of attackers) {
      const successes = a.client.events.filter((e) => e.namespace === 'control' && e.payload.message === 'join_success');
      expect(successes.length, a.name).toBe(a.joined ? 1 : 0);
      for (const s of successes) {
        expect(['user', 'guest'], a.name).toContain(s.payload.role);
        attackerIds.set(String(s.payload.id), a.name);
      }
      expect(a.client.closeCode, `${a.name} was disconnected`).toBeUndefined();
    }

    // Owner and member exchange chat messages and each sees both.
    const ownerStart = owner.client.events.length;
    const memberStart = member.client.events.length;
    const fromOwner = `after the storm, from the owner ${randomUUID()}`;
    const fromMember = `after the storm, from the member ${randomUUID()}`;
    owner.client.send('chat', { action: 'send_message', content: fromOwner });
    member.client.send('chat', { action: 'send_message', content: fromMember });
    const sent = (content: string, source: string) => (e: Event) =>
      e.namespace === 'chat' && e.payload.message === 'message_sent' && (e.payload.chatMessage as { content: string; source: string }).content === content &&
      (e.payload.chatMessage as { source: string }).source === source;
    for (const [client, start] of [[owner.client, ownerStart], [member.client, memberStart]] as const) {
      await waitOrExplain(client, sent(fromOwner, owner.id), start, 'chat from the owner');
      await waitOrExplain(client, sent(fromMember, member.id), start, 'chat from the member');
    }

    // A fresh participant sees exactly the joined ones: owner, member, the attackers that joined.
    const late = await joined(await guestTicket('Latecomer'));
    const success = await late.client.next('control', 'join_success');
    const participants = Participant.array().parse(success.participants);
    expect(participants.map((p) => p.id).sort()).toEqual([owner.id, member.id, ...attackerIds.keys()].sort());
    for (const p of participants) {
      if (attackerIds.has(p.id)) expect(['user', 'guest'], attackerIds.get(p.id)).toContain(p.role);
    }
    expect(participants.find((p) => p.id === owner.id)?.role).toBe('moderator');
    expect(participants.find((p) => p.id === member.id)?.role).toBe('user');

    // What owner and member have pieced together from events matches (late's `joined` is in by
    // now: the owner's chat round trip above came after every earlier event of the storm).
    const fresh = new Map<string, Summary>(participants.map((p) => [p.id, { displayName: p.displayName, role: p.role, handRaised: p.handRaised }]));
    for (const [client, self] of [[owner.client, owner.id], [member.client, member.id]] as const) {
      await waitOrExplain(client, (e) => e.payload.message === 'joined' && (e.payload.participant as { id: string }).id === late.id, 0, 'late joiner announced');
      const view = viewOf(client);
      view.delete(late.id);
      const expectedView = new Map(fresh);
      expectedView.delete(self);
      expect(Object.fromEntries(view)).toEqual(Object.fromEntries(expectedView));
    }
    late.client.close();

    // Nothing failed inside the controller.
    const failures = t.logs.filter((line) => line.includes('signaling task failed') || (JSON.parse(line) as { level: number }).level >= 50);
    expect(failures).toEqual([]);
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
  }, 60_000);
});

// --- the rate limiter, with its default limits ------------------------------------------------

describe('signaling fuzz: the default rate limit', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('refuses a burst of 40 frames beyond the limit with rate_limit_exceeded and keeps the connection', async () => {
    const alice = apiClient(t.baseUrl, (await devLogin(t.baseUrl, 'alice', 'test-password')).accessToken);
    const roomId = String(json(await alice('POST', '/v1/rooms', { name: 'Rate' })).id);
    const client = await SignalingClient.connect(t.baseUrl, StartResponse.parse((await alice('POST', `/v1/rooms/${roomId}/start`, {})).body).ticket);
    client.send('control', { action: 'join' });
    await client.next('control', 'join_success');
    const start = client.events.length;

    // The join took one token of the default burst of 30.
    for (let i = 0; i < 40; i++) client.send('control', { action: `probe-${i}` });
    await client.waitFor(() => client.events.slice(start).filter(isError).length >= 40, { timeoutMs: 10_000 });
    const codes = client.events.slice(start).filter(isError).map((e) => String(e.payload.error));
    expect(codes).toHaveLength(40);
    expect(codes.slice(0, 29)).toEqual(Array.from({ length: 29 }, () => 'unknown_action'));
    expect(new Set(codes)).toEqual(new Set(['unknown_action', 'rate_limit_exceeded']));
    expect(codes.filter((c) => c === 'rate_limit_exceeded').length).toBeGreaterThanOrEqual(5);
    expect(client.closeCode).toBeUndefined();

    // Once the bucket refills, commands work again on the same connection.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = client.events.length;
    client.send('chat', { action: 'send_message', content: 'still here' });
    const message = await client.next('chat', 'message_sent', after);
    expect(message.chatMessage).toMatchObject({ content: 'still here' });
    expect(client.closeCode).toBeUndefined();
    client.close();
  });
});
