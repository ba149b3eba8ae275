import { maxChatMessageLength, type ParticipantId } from '@plenum/protocol';
import { useEffect, useRef, useState, type SyntheticEvent } from 'react';
import { useAppSelector } from '../../app/hooks.js';
import { useSession } from '../../conference/sessionContext.js';
import { selectLanguage } from '../../i18n/languageSlice.js';
import { useT } from '../../i18n/useT.js';
import { participantSelectors, selectMe, selectParticipantState } from '../control/controlSlice.js';
import { selectChatEnabled, selectMessages } from './chatSlice.js';

/** Room chat and private messages. Every text is rendered as text, never as HTML. */
export function ChatPanel() {
  const t = useT();
  const session = useSession();
  const language = useAppSelector(selectLanguage);
  const me = useAppSelector(selectMe);
  const enabled = useAppSelector(selectChatEnabled);
  const messages = useAppSelector(selectMessages);
  const participantState = useAppSelector(selectParticipantState);
  const participants = participantSelectors.selectAll(participantState);
  const [text, setText] = useState('');
  const [target, setTarget] = useState('');
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [messages.length]);

  const nameOf = (id: string) =>
    id === me?.id ? t('you', { name: me.displayName }) : (participantSelectors.selectById(participantState, id as ParticipantId)?.displayName ?? '?');
  const time = new Intl.DateTimeFormat(language, { timeStyle: 'short' });
  const recipient = participants.find((p) => p.id === target);

  const send = (event: SyntheticEvent) => {
    event.preventDefault();
    const content = text.trim();
    if (!content) return;
    // The chosen recipient left: never let a private message fall back to the whole room.
    if (target !== '' && !recipient) {
      setTarget('');
      return;
    }
    session.send('chat', { action: 'send_message', content, ...(recipient ? { target: recipient.id } : {}) });
    setText('');
  };

  return (
    <section className="panel chat-panel" aria-label={t('chat')}>
      <ol className="messages" ref={list} aria-live="polite">
        {messages.map((m) => (
          <li key={m.id} className={m.target ? 'private' : undefined} data-message={m.id}>
            <span className="message-head">
              <span className="message-author">{nameOf(m.source)}</span>
              {m.target !== null && <span className="message-private"> · {m.source === me?.id ? t('privateTo', { name: nameOf(m.target) }) : t('privateFrom')}</span>}
              <time dateTime={m.timestamp}> {time.format(new Date(m.timestamp))}</time>
            </span>
            <span className="message-text">{m.content}</span>
          </li>
        ))}
      </ol>
      {!enabled && <p className="notice">{t('chatDisabled')}</p>}
      <form className="chat-form" onSubmit={send}>
        <label htmlFor="chat-target">{t('chatTo')}</label>
        <select id="chat-target" value={target} onChange={(e) => setTarget(e.target.value)}>
          <option value="">{t('everyone')}</option>
          {participants.map((p) => (
            <option key={p.id} value={p.id}>
              {p.displayName}
            </option>
          ))}
        </select>
        <input
          aria-label={t('messagePlaceholder')}
          placeholder={t('messagePlaceholder')}
          value={text}
          maxLength={maxChatMessageLength}
          disabled={!enabled}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" disabled={!enabled || text.trim() === ''}>
          {t('sendMessage')}
        </button>
      </form>
    </section>
  );
}
