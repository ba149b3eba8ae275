// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeStore } from '../../app/store.js';
import { chatMessage, ids, joinSuccess, participant } from '../../test-support/factories.js';
import { fakeSession, renderWithStore } from '../../test-support/renderWithStore.js';
import { joinSucceeded, participantLeft } from '../control/controlSlice.js';
import { ChatPanel } from './ChatPanel.js';
import { chatEnabledChanged, messageReceived } from './chatSlice.js';

const xssName = '<img src=x onerror="window.__xss=1">';
const xssPayloads = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=1</script>',
  '<svg onload="window.__xss=1"></svg>',
  '"><iframe src="javascript:window.__xss=1"></iframe>',
];

declare global {
  interface Window {
    __xss?: number;
  }
}

beforeAll(() => {
  // jsdom has no layout; the panel scrolls the newest message into view.
  Element.prototype.scrollIntoView = () => undefined;
});

afterEach(() => {
  cleanup();
  delete window.__xss;
});

function setup() {
  const store = makeStore();
  store.dispatch(
    joinSucceeded(joinSuccess({ participants: [participant(ids.alice, 'Alice Adams', 'moderator'), participant(ids.bob, xssName, 'guest')] })),
  );
  const fake = fakeSession();
  const view = renderWithStore(<ChatPanel />, { store, session: fake.session });
  const receive = (message: ReturnType<typeof chatMessage>, mine = false) => {
    act(() => {
      store.dispatch(messageReceived({ message, mine }));
    });
  };
  return { ...view, store, sent: fake.sent, receive };
}

const messageItems = (container: HTMLElement) => [...container.querySelectorAll('li[data-message]')];

describe('ChatPanel', () => {
  it('shows each message with its author’s name and its text', () => {
    const { container, receive } = setup();
    receive(chatMessage(ids.alice, 'Good morning'));
    receive(chatMessage(ids.me, 'Hello'), true);
    const items = messageItems(container);
    expect(items).toHaveLength(2);
    expect(items[0]?.querySelector('.message-author')?.textContent).toBe('Alice Adams');
    expect(items[0]?.querySelector('.message-text')?.textContent).toBe('Good morning');
    expect(items[1]?.querySelector('.message-author')?.textContent).toBe('Me Myself (you)');
  });

  it('renders script-injection payloads in messages and names as text, creating no elements', () => {
    const { container, receive } = setup();
    for (const payload of xssPayloads) receive(chatMessage(ids.bob, payload));
    const items = messageItems(container);
    expect(items.map((item) => item.querySelector('.message-text')?.textContent)).toEqual(xssPayloads);
    expect(items.map((item) => item.querySelector('.message-author')?.textContent)).toEqual(xssPayloads.map(() => xssName));
    // The name is an option of the recipient list, as text too.
    expect(screen.getByRole('option', { name: xssName }).textContent).toBe(xssName);
    expect(container.querySelector('img, script, svg, iframe')).toBeNull();
    expect(window.__xss).toBeUndefined();
  });

  it('marks private messages: to whom I wrote, and that one was for me', () => {
    const { container, receive } = setup();
    receive(chatMessage(ids.me, 'psst', ids.alice), true);
    receive(chatMessage(ids.alice, 'psst back', ids.me));
    const [mine, theirs] = messageItems(container);
    expect(mine?.querySelector('.message-private')?.textContent).toBe(' · private to Alice Adams');
    expect(theirs?.querySelector('.message-private')?.textContent).toBe(' · private');
    expect(mine?.className).toBe('private');
  });

  it('sends the trimmed text to the room and clears the input', () => {
    const { sent } = setup();
    const input = screen.getByRole<HTMLInputElement>('textbox', { name: 'Message' });
    fireEvent.change(input, { target: { value: '  hello all  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(sent).toEqual([{ namespace: 'chat', payload: { action: 'send_message', content: 'hello all' } }]);
    expect(input.value).toBe('');
  });

  it('sends to one participant when chosen as recipient', () => {
    const { sent } = setup();
    fireEvent.change(screen.getByLabelText('To'), { target: { value: ids.alice } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Message' }), { target: { value: 'only you' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(sent).toEqual([{ namespace: 'chat', payload: { action: 'send_message', content: 'only you', target: ids.alice } }]);
  });

  it('does not send a private message to everyone when its recipient has left', () => {
    const { sent, store } = setup();
    fireEvent.change(screen.getByLabelText('To'), { target: { value: ids.alice } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Message' }), { target: { value: 'for Alice only' } });
    act(() => {
      store.dispatch(participantLeft(ids.alice));
    });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(sent).toEqual([]);
    // The text stays; the recipient is now visibly everyone, so a second Send is a deliberate choice.
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'Message' }).value).toBe('for Alice only');
    expect(screen.getByLabelText<HTMLSelectElement>('To').value).toBe('');
  });

  it('sends nothing blank and disables input and button while the chat is off', () => {
    const { sent, store } = setup();
    const button = screen.getByRole<HTMLButtonElement>('button', { name: 'Send' });
    fireEvent.change(screen.getByRole('textbox', { name: 'Message' }), { target: { value: '   ' } });
    expect(button.disabled).toBe(true);
    fireEvent.submit(button.form!);
    expect(sent).toEqual([]);

    act(() => {
      store.dispatch(chatEnabledChanged(false));
    });
    expect(screen.getByText('The chat is switched off.')).toBeTruthy();
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'Message' }).disabled).toBe(true);
  });

  it('lists the other participants as recipients, sorted by name, not me', () => {
    setup();
    const options = within(screen.getByLabelText('To')).getAllByRole('option').map((o) => o.textContent);
    expect(options).toEqual(['Everyone', ...[xssName, 'Alice Adams'].sort((a, b) => a.localeCompare(b))]);
  });
});
