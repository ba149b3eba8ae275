import { ChatMessage } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { fakeHandlerContext, hostilePayloads } from '../../test-support/fakeHandlerContext.js';
import { fixturePayload, ids } from '../../test-support/factories.js';
import { handleChatEvent } from './chatHandlers.js';
import { chatEnabledChanged, historyCleared, messageReceived } from './chatSlice.js';

const roomMessage = ChatMessage.parse({
  id: '4d7a2e9c-6b1f-4e3a-8d5c-2f0e9b8a7c61',
  source: ids.alice,
  target: null,
  content: 'Good morning! Agenda is in the invite.',
  timestamp: '2026-11-24T08:59:02.250Z',
});

describe('handleChatEvent', () => {
  it('message_sent from someone else is received as not mine', () => {
    const fake = fakeHandlerContext(ids.me);
    handleChatEvent(fixturePayload('chat/event.message_sent.json'), fake.ctx);
    expect(fake.actions).toEqual([messageReceived({ message: roomMessage, mine: false })]);
  });

  it('message_sent from me is received as mine', () => {
    const fake = fakeHandlerContext(ids.alice);
    handleChatEvent(fixturePayload('chat/event.message_sent.json'), fake.ctx);
    expect(fake.actions).toEqual([messageReceived({ message: roomMessage, mine: true })]);
  });

  it('a private message keeps its target', () => {
    const fake = fakeHandlerContext(ids.me);
    handleChatEvent(fixturePayload('chat/event.message_sent.private.json'), fake.ctx);
    expect(fake.actions).toHaveLength(1);
    expect(fake.actions[0]).toMatchObject({ payload: { message: { target: ids.me, source: ids.alice }, mine: false } });
  });

  it('chat_enabled, chat_disabled and history_cleared dispatch their actions; an error is reported', () => {
    const fake = fakeHandlerContext(ids.me);
    for (const file of ['event.chat_disabled', 'event.chat_enabled', 'event.history_cleared', 'event.error']) {
      handleChatEvent(fixturePayload(`chat/${file}.json`), fake.ctx);
    }
    expect(fake.actions).toEqual([chatEnabledChanged(false), chatEnabledChanged(true), historyCleared()]);
    expect(fake.effects()).toBe(3);
    expect(fake.reports.serverError.mock.calls).toEqual([['chat', { message: 'error', error: 'chat_disabled', text: 'the chat is disabled' }]]);
  });

  const message = fixturePayload('chat/event.message_sent.json') as { chatMessage: Record<string, unknown> };
  const malformed: unknown[] = [
    ...hostilePayloads,
    { message: 'message_sent' },
    { message: 'message_sent', chatMessage: { ...message.chatMessage, content: { html: '<b>x</b>' } } },
    { message: 'message_sent', chatMessage: { ...message.chatMessage, target: undefined } },
    { message: 'message_sent', chatMessage: { ...message.chatMessage, source: 'alice' } },
    { message: 'message_sent', chatMessage: { ...message.chatMessage, timestamp: 'yesterday' } },
    { message: 'chat_enabled' },
    { message: 'history_cleared', by: 'nobody' },
  ];
  it.each(malformed)('passes a malformed payload on as unrecognized, without throwing: %j', (payload) => {
    const fake = fakeHandlerContext(ids.me);
    expect(() => handleChatEvent(payload, fake.ctx)).not.toThrow();
    expect(fake.effects()).toBe(0);
    expect(fake.reports.unrecognized.mock.calls).toEqual([['chat', payload]]);
    expect(fake.reports.serverError).not.toHaveBeenCalled();
  });
});
