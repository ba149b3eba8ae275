import { describe, it, expect } from 'vitest';
import { expandInstances, isValidTimeZone, parseRecurrenceRule, type RecurringEvent } from './recurrence.js';

const HOUR = 60 * 60 * 1000;

/** An event starting at `startsAt` (ISO, UTC) lasting `hours`, in `timeZone`, repeating by `rule`. */
function event(startsAt: string, hours: number, timeZone: string, rule: string | null): RecurringEvent {
  const start = new Date(startsAt);
  return { startsAt: start, endsAt: new Date(start.getTime() + hours * HOUR), timeZone, recurrenceRule: rule };
}

function window(from: string, to: string): { from: Date; to: Date } {
  return { from: new Date(from), to: new Date(to) };
}

function starts(result: { instances: { startsAt: Date }[] }): string[] {
  return result.instances.map((instance) => instance.startsAt.toISOString());
}

/** Weekday and wall-clock time of an instant in a zone, e.g. "Mon 08:00". */
function localWeekdayAndTime(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .format(instant)
    .replace(',', '');
}

describe('expandInstances for a one-off event', () => {
  const meeting = event('2027-05-10T09:00:00Z', 1, 'Europe/Berlin', null);

  it('returns the event when it lies inside the window', () => {
    const result = expandInstances(meeting, window('2027-05-01T00:00:00Z', '2027-06-01T00:00:00Z'), 10);
    expect(result).toEqual({
      instances: [{ startsAt: new Date('2027-05-10T09:00:00Z'), endsAt: new Date('2027-05-10T10:00:00Z') }],
      truncated: false,
    });
  });

  it('returns nothing when the event lies before or after the window', () => {
    expect(starts(expandInstances(meeting, window('2027-04-01T00:00:00Z', '2027-05-01T00:00:00Z'), 10))).toEqual([]);
    expect(starts(expandInstances(meeting, window('2027-05-11T00:00:00Z', '2027-06-01T00:00:00Z'), 10))).toEqual([]);
  });

  it('includes an event that started before the window but ends inside it', () => {
    const result = expandInstances(meeting, window('2027-05-10T09:30:00Z', '2027-05-11T00:00:00Z'), 10);
    expect(starts(result)).toEqual(['2027-05-10T09:00:00.000Z']);
  });

  it('treats the window as half-open: an event ending at `from` or starting at `to` is outside', () => {
    expect(starts(expandInstances(meeting, window('2027-05-10T10:00:00Z', '2027-05-11T00:00:00Z'), 10))).toEqual([]);
    expect(starts(expandInstances(meeting, window('2027-05-10T00:00:00Z', '2027-05-10T09:00:00Z'), 10))).toEqual([]);
  });

  it('reports truncation when maxInstances is 0 but the event overlaps', () => {
    expect(expandInstances(meeting, window('2027-05-01T00:00:00Z', '2027-06-01T00:00:00Z'), 0)).toEqual({
      instances: [],
      truncated: true,
    });
  });
});

describe('expandInstances keeps the local wall-clock time across daylight-saving changes', () => {
  it('a weekly 09:00 Europe/Berlin meeting is at 08:00Z before and 07:00Z after 2027-03-28', () => {
    const weekly = event('2027-03-15T08:00:00Z', 1, 'Europe/Berlin', 'FREQ=WEEKLY');
    const result = expandInstances(weekly, window('2027-03-01T00:00:00Z', '2027-04-10T00:00:00Z'), 10);
    expect(starts(result)).toEqual([
      '2027-03-15T08:00:00.000Z',
      '2027-03-22T08:00:00.000Z',
      '2027-03-29T07:00:00.000Z',
      '2027-04-05T07:00:00.000Z',
    ]);
  });

  it('a weekly 10:00 America/New_York meeting is at 14:00Z before and 15:00Z after 2027-11-07', () => {
    const weekly = event('2027-10-26T14:00:00Z', 1, 'America/New_York', 'FREQ=WEEKLY;BYDAY=TU');
    const result = expandInstances(weekly, window('2027-10-20T00:00:00Z', '2027-11-20T00:00:00Z'), 10);
    expect(starts(result)).toEqual([
      '2027-10-26T14:00:00.000Z',
      '2027-11-02T14:00:00.000Z',
      '2027-11-09T15:00:00.000Z',
      '2027-11-16T15:00:00.000Z',
    ]);
  });

  it('moves an occurrence in the spring-forward gap forward by the gap (02:30 becomes 03:30)', () => {
    const daily = event('2027-03-27T01:30:00Z', 0.5, 'Europe/Berlin', 'FREQ=DAILY;COUNT=3'); // 02:30 CET
    const result = expandInstances(daily, window('2027-03-27T00:00:00Z', '2027-03-30T00:00:00Z'), 10);
    expect(starts(result)).toEqual([
      '2027-03-27T01:30:00.000Z', // 02:30 CET
      '2027-03-28T01:30:00.000Z', // 02:30 does not exist; 03:30 CEST
      '2027-03-29T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('uses the first of the two instants for a wall-clock time repeated at fall-back', () => {
    const daily = event('2027-10-30T00:30:00Z', 0.5, 'Europe/Berlin', 'FREQ=DAILY;COUNT=3'); // 02:30 CEST
    const result = expandInstances(daily, window('2027-10-30T00:00:00Z', '2027-11-02T00:00:00Z'), 10);
    expect(starts(result)).toEqual([
      '2027-10-30T00:30:00.000Z', // 02:30 CEST
      '2027-10-31T00:30:00.000Z', // 02:30 CEST, not the later 02:30 CET
      '2027-11-01T01:30:00.000Z', // 02:30 CET
    ]);
  });
});

describe('expandInstances evaluates weekdays on local dates', () => {
  it.each(['Asia/Tokyo', 'Pacific/Auckland'])(
    'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4 at 08:00 %s gives four Monday/Wednesday meetings (UTC date is the day before)',
    (timeZone) => {
      // Monday 2027-01-04 08:00 local is still Sunday 2027-01-03 in UTC in both zones.
      const startsAt = timeZone === 'Asia/Tokyo' ? '2027-01-03T23:00:00Z' : '2027-01-03T19:00:00Z';
      const weekly = event(startsAt, 1, timeZone, 'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4');
      const result = expandInstances(weekly, window('2027-01-01T00:00:00Z', '2027-03-01T00:00:00Z'), 10);
      expect(result.truncated).toBe(false);
      expect(result.instances.map((instance) => localWeekdayAndTime(instance.startsAt, timeZone))).toEqual([
        'Mon 08:00',
        'Wed 08:00',
        'Mon 08:00',
        'Wed 08:00',
      ]);
      expect(result.instances[0]?.startsAt.toISOString()).toBe(new Date(startsAt).toISOString());
    },
  );
});

describe('expandInstances honours UNTIL', () => {
  const from = '2027-01-01T00:00:00Z';
  const to = '2027-03-01T00:00:00Z';

  it('includes an occurrence starting exactly at UNTIL', () => {
    const weekly = event('2027-01-04T08:00:00Z', 1, 'Europe/Berlin', 'FREQ=WEEKLY;UNTIL=20270118T080000Z');
    expect(starts(expandInstances(weekly, window(from, to), 10))).toEqual([
      '2027-01-04T08:00:00.000Z',
      '2027-01-11T08:00:00.000Z',
      '2027-01-18T08:00:00.000Z',
    ]);
  });

  it('excludes an occurrence starting one second after UNTIL', () => {
    const weekly = event('2027-01-04T08:00:00Z', 1, 'Europe/Berlin', 'FREQ=WEEKLY;UNTIL=20270118T075959Z');
    expect(starts(expandInstances(weekly, window(from, to), 10))).toEqual(['2027-01-04T08:00:00.000Z', '2027-01-11T08:00:00.000Z']);
  });

  it('compares a UTC UNTIL against real instants, not local wall-clock times', () => {
    // Daily 08:00 Asia/Tokyo = 23:00Z the day before; UNTIL is the 3rd occurrence's real instant.
    const daily = event('2027-01-03T23:00:00Z', 1, 'Asia/Tokyo', 'FREQ=DAILY;UNTIL=20270105T230000Z');
    expect(starts(expandInstances(daily, window(from, to), 10))).toEqual([
      '2027-01-03T23:00:00.000Z',
      '2027-01-04T23:00:00.000Z',
      '2027-01-05T23:00:00.000Z',
    ]);
  });

  it('reads UNTIL without Z as local time and a date-only UNTIL as that whole local day', () => {
    const local = event('2027-01-04T08:00:00Z', 1, 'Europe/Berlin', 'FREQ=WEEKLY;UNTIL=20270118T090000');
    const dateOnly = event('2027-01-04T08:00:00Z', 1, 'Europe/Berlin', 'FREQ=WEEKLY;UNTIL=20270118');
    expect(starts(expandInstances(local, window(from, to), 10))).toHaveLength(3);
    expect(starts(expandInstances(dateOnly, window(from, to), 10))).toHaveLength(3);
  });
});

describe('expandInstances with other rule parts', () => {
  it('INTERVAL=2 repeats every other week', () => {
    const fortnightly = event('2027-01-04T08:00:00Z', 1, 'Europe/Berlin', 'FREQ=WEEKLY;INTERVAL=2');
    expect(starts(expandInstances(fortnightly, window('2027-01-01T00:00:00Z', '2027-02-10T00:00:00Z'), 10))).toEqual([
      '2027-01-04T08:00:00.000Z',
      '2027-01-18T08:00:00.000Z',
      '2027-02-01T08:00:00.000Z',
    ]);
  });

  it('FREQ=MONTHLY;BYMONTHDAY=31 skips months without a 31st', () => {
    const monthly = event('2027-01-31T10:00:00Z', 1, 'UTC', 'FREQ=MONTHLY;BYMONTHDAY=31');
    const result = expandInstances(monthly, window('2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z'), 20);
    expect(starts(result).map((iso) => iso.slice(0, 10))).toEqual([
      '2027-01-31',
      '2027-03-31',
      '2027-05-31',
      '2027-07-31',
      '2027-08-31',
      '2027-10-31',
      '2027-12-31',
    ]);
  });

  it('BYSETPOS=-1 picks the last weekday of each month', () => {
    const monthly = event('2027-01-29T15:00:00Z', 1, 'UTC', 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1');
    const result = expandInstances(monthly, window('2027-01-01T00:00:00Z', '2027-04-01T00:00:00Z'), 10);
    expect(starts(result)).toEqual(['2027-01-29T15:00:00.000Z', '2027-02-26T15:00:00.000Z', '2027-03-31T15:00:00.000Z']);
  });

  it('stops at maxInstances and reports truncation when more occurrences fall in the window', () => {
    const daily = event('2027-01-01T09:00:00Z', 1, 'UTC', 'FREQ=DAILY');
    const result = expandInstances(daily, window('2027-01-01T00:00:00Z', '2027-02-01T00:00:00Z'), 5);
    expect(starts(result)).toEqual([
      '2027-01-01T09:00:00.000Z',
      '2027-01-02T09:00:00.000Z',
      '2027-01-03T09:00:00.000Z',
      '2027-01-04T09:00:00.000Z',
      '2027-01-05T09:00:00.000Z',
    ]);
    expect(result.truncated).toBe(true);
  });

  it('does not report truncation when the window holds exactly maxInstances occurrences', () => {
    const daily = event('2027-01-01T09:00:00Z', 1, 'UTC', 'FREQ=DAILY');
    const result = expandInstances(daily, window('2027-01-01T00:00:00Z', '2027-01-06T00:00:00Z'), 5);
    expect(result.instances).toHaveLength(5);
    expect(result.truncated).toBe(false);
  });

  it('preserves the duration of every occurrence, also across a DST change', () => {
    const weekly = event('2027-03-15T08:00:00Z', 1.5, 'Europe/Berlin', 'FREQ=WEEKLY');
    const result = expandInstances(weekly, window('2027-03-01T00:00:00Z', '2027-04-10T00:00:00Z'), 10);
    expect(result.instances).toHaveLength(4);
    for (const instance of result.instances) {
      expect(instance.endsAt.getTime() - instance.startsAt.getTime()).toBe(1.5 * HOUR);
    }
  });

  it('includes an occurrence that started before the window but is still running', () => {
    const daily = event('2027-01-01T09:00:00Z', 2, 'UTC', 'FREQ=DAILY');
    const result = expandInstances(daily, window('2027-01-03T10:00:00Z', '2027-01-04T00:00:00Z'), 10);
    expect(result.instances).toEqual([{ startsAt: new Date('2027-01-03T09:00:00Z'), endsAt: new Date('2027-01-03T11:00:00Z') }]);
  });

  it('returns nothing for a window before the series starts', () => {
    const daily = event('2027-01-01T09:00:00Z', 1, 'UTC', 'FREQ=DAILY');
    expect(expandInstances(daily, window('2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z'), 10)).toEqual({
      instances: [],
      truncated: false,
    });
  });

  it('still finds occurrences decades after the series started', () => {
    const daily = event('2000-01-03T08:00:00Z', 1, 'Europe/Berlin', 'FREQ=DAILY');
    const result = expandInstances(daily, window('2027-07-01T00:00:00Z', '2027-07-03T00:00:00Z'), 10);
    expect(starts(result)).toEqual(['2027-07-01T07:00:00.000Z', '2027-07-02T07:00:00.000Z']);
  });

  it('throws for an invalid rule or time zone', () => {
    expect(() => expandInstances(event('2027-01-01T09:00:00Z', 1, 'UTC', 'FREQ=HOURLY'), window('2027-01-01T00:00:00Z', '2027-01-02T00:00:00Z'), 10)).toThrow(
      /recurrence rule/i,
    );
    expect(() => expandInstances(event('2027-01-01T09:00:00Z', 1, 'Mars/Olympus', 'FREQ=DAILY'), window('2027-01-01T00:00:00Z', '2027-01-02T00:00:00Z'), 10)).toThrow(
      /time zone/i,
    );
  });
});

describe('expandInstances bounds the work done for pathological rules', () => {
  it.each([
    'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31', // February never has a 31st
    'FREQ=DAILY;INTERVAL=7;BYDAY=TU', // starts on a Monday, so every 7th day is never a Tuesday
    'FREQ=DAILY;BYDAY=MO;BYSETPOS=2', // a day has one candidate, never a second
  ])('%s returns promptly with no occurrences', (rule) => {
    const started = Date.now();
    const result = expandInstances(event('2027-01-04T09:00:00Z', 1, 'UTC', rule), window('2027-01-01T00:00:00Z', '2027-12-31T00:00:00Z'), 10);
    expect(result).toEqual({ instances: [], truncated: false });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reports truncation instead of walking a daily rule through centuries', () => {
    const ancient = event('1700-01-01T09:00:00Z', 1, 'UTC', 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31');
    const result = expandInstances(ancient, window('2027-01-01T00:00:00Z', '2027-12-31T00:00:00Z'), 10);
    expect(result).toEqual({ instances: [], truncated: true });
  });
});

describe('parseRecurrenceRule', () => {
  it.each([
    'FREQ=DAILY',
    'RRULE:FREQ=WEEKLY;BYDAY=MO,WE',
    'FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=TU',
    'FREQ=MONTHLY;BYMONTHDAY=31;COUNT=10',
    'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
    'FREQ=MONTHLY;BYDAY=-1FR',
    'FREQ=YEARLY;BYMONTH=11;BYDAY=4TH',
    'FREQ=WEEKLY;UNTIL=20271231T235959Z',
    'FREQ=WEEKLY;UNTIL=20271231',
    'freq=weekly;byday=mo',
  ])('accepts %s', (rule) => {
    expect(parseRecurrenceRule(rule)).toEqual({ ok: true });
  });

  it.each([
    ['empty', ''],
    ['only the prefix', 'RRULE:'],
    ['missing FREQ', 'BYDAY=MO'],
    ['FREQ=HOURLY', 'FREQ=HOURLY'],
    ['FREQ=MINUTELY', 'FREQ=MINUTELY'],
    ['FREQ=SECONDLY', 'FREQ=SECONDLY'],
    ['an unknown FREQ', 'FREQ=FORTNIGHTLY'],
    ['DTSTART present', 'DTSTART:20270101T090000Z;FREQ=DAILY'],
    ['DTSTART as a part', 'FREQ=DAILY;DTSTART=20270101T090000Z'],
    ['EXDATE present', 'FREQ=DAILY;EXDATE=20270102T090000Z'],
    ['garbage', 'hello world'],
    ['garbage without spaces', 'FREQ'],
    ['newline injection', 'FREQ=DAILY\nEXRULE:FREQ=DAILY'],
    ['carriage return', 'FREQ=DAILY\r'],
    ['an unsupported part', 'FREQ=DAILY;BYHOUR=9'],
    ['a duplicated part', 'FREQ=DAILY;FREQ=WEEKLY'],
    ['an empty part', 'FREQ=DAILY;'],
    ['a bad weekday', 'FREQ=WEEKLY;BYDAY=XX'],
    ['an ordinal weekday in a weekly rule', 'FREQ=WEEKLY;BYDAY=2MO'],
    ['a sixth Monday of the month', 'FREQ=MONTHLY;BYDAY=6MO'],
    ['month 13', 'FREQ=YEARLY;BYMONTH=13'],
    ['month day 0', 'FREQ=MONTHLY;BYMONTHDAY=0'],
    ['INTERVAL=0', 'FREQ=DAILY;INTERVAL=0'],
    ['negative COUNT', 'FREQ=DAILY;COUNT=-1'],
    ['both UNTIL and COUNT', 'FREQ=DAILY;COUNT=3;UNTIL=20271231T000000Z'],
    ['an impossible UNTIL date', 'FREQ=DAILY;UNTIL=20270231T000000Z'],
    ['a malformed UNTIL', 'FREQ=DAILY;UNTIL=2027-12-31'],
    ['BYSETPOS on its own', 'FREQ=MONTHLY;BYSETPOS=1'],
  ])('rejects %s with a message', (_case, rule) => {
    const result = parseRecurrenceRule(rule);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/^[A-Z].*\.$/);
  });

  it('explains why sub-daily frequencies are rejected', () => {
    const result = parseRecurrenceRule('FREQ=HOURLY');
    expect(result.ok ? '' : result.message).toMatch(/daily/i);
  });

  it('asks for FREQ when it is missing', () => {
    const result = parseRecurrenceRule('BYDAY=MO');
    expect(result.ok ? '' : result.message).toContain('FREQ');
  });
});

describe('isValidTimeZone', () => {
  it.each(['Europe/Berlin', 'UTC', 'Etc/UTC', 'America/New_York', 'America/Argentina/Buenos_Aires', 'America/Port-au-Prince', 'Etc/GMT+1'])(
    'accepts %s',
    (zone) => {
      expect(isValidTimeZone(zone)).toBe(true);
    },
  );

  it.each(['Mars/Olympus', '../etc', '', 'utc', 'europe/berlin', 'EUROPE/BERLIN', '+01:00', 'UTC+1', 'Europe/Berlin ', 'Europe//Berlin'])(
    'rejects %j',
    (zone) => {
      expect(isValidTimeZone(zone)).toBe(false);
    },
  );
});
