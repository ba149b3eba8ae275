import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventContractViolation, eventSchemas } from './events.js';

const fixturesDir = new URL('../../fixtures/signaling/', import.meta.url);

function fixture(namespace: string, file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${namespace}/${file}`, fixturesDir), 'utf8')) as Record<string, unknown>;
}

const messageSent = () => fixture('chat', 'event.message_sent.json');
const joinSuccess = () => fixture('control', 'event.join_success.media.json');

describe('eventContractViolation', () => {
  it('passes every golden event of every namespace', () => {
    for (const namespace of Object.keys(eventSchemas)) {
      for (const file of readdirSync(new URL(namespace, fixturesDir)).filter((name) => name.startsWith('event.'))) {
        expect(eventContractViolation(fixture(namespace, file)), `${namespace}/${file}`).toBeUndefined();
      }
    }
  });

  it('refuses an unknown namespace', () => {
    expect(eventContractViolation({ ...messageSent(), namespace: 'polls' })).toBe('unknown namespace "polls"');
  });

  it('refuses an unknown message, naming it', () => {
    expect(eventContractViolation({ ...messageSent(), payload: { message: 'message_edited' } })).toBe(
      'chat/message_edited: unknown message "message_edited" in namespace "chat"',
    );
  });

  it('refuses a missing field, with its path', () => {
    const frame = messageSent();
    const { chatMessage } = frame.payload as { chatMessage: Record<string, unknown> };
    delete chatMessage.source;
    expect(eventContractViolation(frame)).toMatch(/^chat\/message_sent: payload\.chatMessage\.source: /);
  });

  it('refuses an undeclared field at any depth: payload, nested object, envelope', () => {
    const frame = messageSent();
    (frame.payload as Record<string, unknown>).edited = false;
    expect(eventContractViolation(frame)).toBe('chat/message_sent: undeclared field "payload.edited"');
    const nested = messageSent();
    ((nested.payload as Record<string, unknown>).chatMessage as Record<string, unknown>).edited = false;
    expect(eventContractViolation(nested)).toBe('chat/message_sent: undeclared field "payload.chatMessage.edited"');
    expect(eventContractViolation({ ...messageSent(), sequence: 7 })).toBe('chat/message_sent: undeclared field "sequence"');
  });

  it('checks the join data of each module in join_success, and refuses data of no module', () => {
    const frame = joinSuccess();
    const modules = (frame.payload as { modules: Record<string, Record<string, unknown>> }).modules;
    modules.chat!.unread = 0;
    modules.polls = {};
    expect(eventContractViolation(frame)).toBe(
      'control/join_success: undeclared field "payload.modules.chat.unread"; payload.modules.polls: no module "polls" has join data',
    );
  });

  it('refuses what is not an event envelope', () => {
    expect(eventContractViolation('hello')).toMatch(/^not an event envelope: /);
    expect(eventContractViolation({ namespace: 'chat', payload: { message: 'chat_enabled' } })).toMatch(/^not an event envelope: timestamp: /);
  });
});
