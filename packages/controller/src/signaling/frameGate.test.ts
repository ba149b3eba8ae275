import { ControlCommand, maxFrameBytes } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { answerIn, gateFrame, parseCommand } from './frameGate.js';

const now = 1_000_000;
const valid = { rate: 'ok', now, tokenExpiresAt: now + 60_000 } as const;
const frame = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('the frame gate', () => {
  it('passes a well-formed command on with its namespace and payload as received', () => {
    const result = gateFrame(frame({ namespace: 'chat', payload: { action: 'send_message', content: 'hi' } }), false, valid);
    expect(result).toEqual({ kind: 'command', command: { namespace: 'chat', payload: { action: 'send_message', content: 'hi' } } });
  });

  it('checks the rate first: a limited frame is refused, sustained abuse drops the connection, whatever the frame holds', () => {
    const junk = Buffer.from('not json');
    expect(gateFrame(junk, false, { ...valid, rate: 'limited' })).toMatchObject({ kind: 'refuse', refusal: { error: 'rate_limit_exceeded' } });
    expect(gateFrame(junk, false, { ...valid, rate: 'abuse' })).toEqual({ kind: 'abuse' });
  });

  it('refuses oversized, binary, non-JSON and malformed frames in control, with stable codes', () => {
    const refused = (data: Buffer, binary = false) => {
      const result = gateFrame(data, binary, valid);
      return result.kind === 'refuse' ? `${result.refusal.namespace}/${result.refusal.error}` : result.kind;
    };
    expect(refused(Buffer.alloc(maxFrameBytes + 1, 32))).toBe('control/frame_too_large');
    expect(refused(frame({ namespace: 'chat', payload: { action: 'x' } }), true)).toBe('control/invalid_json');
    expect(refused(Buffer.from('{"namespace":'))).toBe('control/invalid_json');
    expect(refused(frame({ namespace: 'chat' }))).toBe('control/invalid_envelope');
    expect(refused(frame({ namespace: 'chat', payload: { action: '' } }))).toBe('control/invalid_envelope');
    expect(refused(frame({ namespace: 'chat', payload: { action: 'a' }, extra: 1 }))).toBe('control/invalid_envelope');
    expect(refused(frame([1, 2]))).toBe('control/invalid_envelope');
  });

  it('refuses every command once the token expired, in the command’s namespace, except control/refresh_token', () => {
    const expired = { ...valid, tokenExpiresAt: now };
    expect(gateFrame(frame({ namespace: 'chat', payload: { action: 'send_message' } }), false, expired)).toMatchObject({
      kind: 'refuse',
      refusal: { namespace: 'chat', error: 'token_expired' },
    });
    expect(gateFrame(frame({ namespace: 'control', payload: { action: 'refresh_token', token: 't' } }), false, expired)).toMatchObject({ kind: 'command' });
  });

  it('keeps a __proto__ key of the payload, so that the strict schema refuses it', () => {
    const result = gateFrame(Buffer.from('{"namespace":"control","payload":{"action":"raise_hand","__proto__":{"x":1}}}'), false, valid);
    if (result.kind !== 'command') throw new Error(`refused: ${JSON.stringify(result)}`);
    expect(Object.keys(result.command.payload)).toContain('__proto__');
    expect(parseCommand(ControlCommand, result.command)).toMatchObject({ ok: false, refusal: { error: 'invalid_payload' } });
  });
});

describe('parsing a command by its namespace’s schema', () => {
  it('gives the typed command, names an unknown action, and says which field is wrong', () => {
    expect(parseCommand(ControlCommand, { namespace: 'control', payload: { action: 'raise_hand' } })).toEqual({ ok: true, command: { action: 'raise_hand' } });
    expect(parseCommand(ControlCommand, { namespace: 'control', payload: { action: 'fly' } })).toEqual({
      ok: false,
      refusal: { namespace: 'control', error: 'unknown_action', text: 'unknown action "fly"' },
    });
    const wrong = parseCommand(ControlCommand, { namespace: 'control', payload: { action: 'set_display_name', displayName: 42 } });
    expect(wrong).toMatchObject({ ok: false, refusal: { error: 'invalid_payload', text: expect.stringMatching(/^displayName: /) as unknown } });
  });
});

describe('the namespace of an answer', () => {
  it('is the client’s only when it is control or a known module, so a made-up name is never echoed', () => {
    const known = (name: string) => name === 'chat';
    expect(answerIn('chat', known)).toBe('chat');
    expect(answerIn('control', known)).toBe('control');
    expect(answerIn('<script>', known)).toBe('control');
  });
});
