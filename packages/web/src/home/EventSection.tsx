import { useState, type SyntheticEvent } from 'react';
import { useCreateEventMutation, useListEventsQuery, useListRoomsQuery } from '../api/plenumApi.js';
import { selectLanguage } from '../i18n/languageSlice.js';
import { useAppSelector } from '../app/hooks.js';
import { useT } from '../i18n/useT.js';
import type { MessageKey } from '../i18n/messages.js';
import { errorMessage } from './RoomSection.js';

const frequencies = { none: 'recurrenceNone', DAILY: 'recurrenceDaily', WEEKLY: 'recurrenceWeekly', MONTHLY: 'recurrenceMonthly' } as const;
type Frequency = keyof typeof frequencies;
const isFrequency = (value: string): value is Frequency => value in frequencies;

/** Tomorrow at 10:00 local time, as a datetime-local value. */
function defaultStart(): string {
  const date = new Date();
  date.setDate(date.getDate() + 1);
  date.setHours(10, 0, 0, 0);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T10:00`;
}

export function EventSection() {
  const t = useT();
  const language = useAppSelector(selectLanguage);
  const events = useListEventsQuery(undefined);
  const rooms = useListRoomsQuery(undefined);
  const [createEvent, creating] = useCreateEventMutation();
  const [title, setTitle] = useState('');
  const [start, setStart] = useState(defaultStart);
  const [minutes, setMinutes] = useState(60);
  const [roomId, setRoomId] = useState('');
  const [frequency, setFrequency] = useState<Frequency>('none');
  const [count, setCount] = useState(10);
  const [message, setMessage] = useState<string | null>(null);

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const startsAt = new Date(start);
    const endsAt = new Date(startsAt.getTime() + minutes * 60_000);
    createEvent({
      title: title.trim(),
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      ...(roomId ? { roomId: rooms.data?.find((room) => room.id === roomId)?.id } : {}),
      ...(frequency !== 'none' ? { recurrenceRule: `FREQ=${frequency};COUNT=${count}` } : {}),
    })
      .unwrap()
      .then((created) => {
        setMessage(t('eventScheduled', { title: created.title }));
        setTitle('');
      })
      .catch((error: unknown) => setMessage(errorMessage(error)));
  };

  const format = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <section aria-labelledby="events-heading">
      <h2 id="events-heading">{t('myEvents')}</h2>
      {events.data?.length === 0 && <p>{t('noEvents')}</p>}
      <ul className="event-list">
        {events.data?.map((e) => (
          <li key={e.id}>
            <span className="event-title">{e.title}</span> <time dateTime={e.startsAt}>{format.format(new Date(e.startsAt))}</time>
            {e.recurrenceRule !== null && <span className="room-tags"> · {recurrenceLabel(e.recurrenceRule, t)}</span>}
          </li>
        ))}
      </ul>
      <h3>{t('scheduleEvent')}</h3>
      <form className="room-form" onSubmit={submit} aria-label={t('scheduleEvent')}>
        <label htmlFor="event-title">{t('eventTitle')}</label>
        <input id="event-title" value={title} maxLength={200} required onChange={(e) => setTitle(e.target.value)} />
        <label htmlFor="event-start">{t('eventStart')}</label>
        <input id="event-start" type="datetime-local" value={start} required onChange={(e) => setStart(e.target.value)} />
        <label htmlFor="event-duration">{t('eventDuration')}</label>
        <input
          id="event-duration"
          type="number"
          min={5}
          max={1440}
          value={minutes}
          onChange={(e) => setMinutes(Math.max(5, Number(e.target.value) || 60))}
        />
        <label htmlFor="event-room">{t('eventRoom')}</label>
        <select id="event-room" value={roomId} onChange={(e) => setRoomId(e.target.value)}>
          <option value="">{t('eventNewRoom')}</option>
          {rooms.data?.map((room) => (
            <option key={room.id} value={room.id}>
              {room.name}
            </option>
          ))}
        </select>
        <label htmlFor="event-recurrence">{t('recurrence')}</label>
        <select id="event-recurrence" value={frequency} onChange={(e) => isFrequency(e.target.value) && setFrequency(e.target.value)}>
          {Object.entries(frequencies).map(([value, key]) => (
            <option key={value} value={value}>
              {t(key)}
            </option>
          ))}
        </select>
        {frequency !== 'none' && (
          <>
            <label htmlFor="event-count">{t('recurrenceCount')}</label>
            <input
              id="event-count"
              type="number"
              min={2}
              max={366}
              value={count}
              onChange={(e) => setCount(Math.min(366, Math.max(2, Number(e.target.value) || 2)))}
            />
          </>
        )}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={creating.isLoading || title.trim() === ''}>
            {t('scheduleEvent')}
          </button>
        </div>
      </form>
      {message !== null && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
    </section>
  );
}

function recurrenceLabel(rule: string, t: (key: MessageKey) => string): string {
  const frequency = /FREQ=(\w+)/.exec(rule)?.[1] ?? '';
  return isFrequency(frequency) ? t(frequencies[frequency]) : rule;
}
