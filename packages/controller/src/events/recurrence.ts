import { DateTime, IANAZone, type DateObjectUnits } from 'luxon';
// rrule ships a CommonJS (UMD) build whose named exports Node cannot detect, so named ESM
// imports fail at run time; the default import (module.exports) works everywhere.
import rrulePkg from 'rrule';
import type { Options as RRuleOptions, RRule as RRuleInstance } from 'rrule';

const { RRule } = rrulePkg;

/** An event as far as recurrence is concerned. */
export interface RecurringEvent {
  startsAt: Date;
  endsAt: Date;
  /** IANA time zone whose wall clock the series follows. */
  timeZone: string;
  /** RFC 5545 RRULE value (see `parseRecurrenceRule`), or null for a one-off event. */
  recurrenceRule: string | null;
}

/** One occurrence of an event. */
export interface EventInstance {
  startsAt: Date;
  endsAt: Date;
}

/** Result of `expandInstances`. */
export interface ExpandedInstances {
  instances: EventInstance[];
  /** True when the window holds more occurrences than were returned. */
  truncated: boolean;
}

/** Result of `parseRecurrenceRule`. */
export type RecurrenceRuleCheck = { ok: true } | { ok: false; message: string };

// ---------------------------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------------------------

// Every IANA name is a slash-separated path of segments starting with a capital letter
// ("America/Port-au-Prince", "Etc/GMT+1", "EST5EDT"). Checking the shape first keeps out things
// the runtime would accept oddly: "", "utc", "+01:00", path tricks like "../etc".
const IANA_NAME = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z][A-Za-z0-9_+-]*)*$/;
const MAX_ZONE_NAME_LENGTH = 64;

/**
 * True when `zone` is an IANA time-zone name known to the runtime ("Europe/Berlin", "UTC",
 * "Etc/UTC"), spelled with its proper case. Offsets ("+01:00"), lower-cased names and anything
 * else are rejected, so that stored zone names stay canonical.
 */
export function isValidTimeZone(zone: string): boolean {
  return (
    zone.length <= MAX_ZONE_NAME_LENGTH &&
    IANA_NAME.test(zone) &&
    IANAZone.isValidZone(zone) &&
    !isMiscasedCanonicalName(zone)
  );
}

// The runtime matches zone names case-insensitively; "EUROPE/BERLIN" resolves to "Europe/Berlin".
// Links ("US/Eastern") resolve to a different name, so this only catches wrong case, not aliases.
function isMiscasedCanonicalName(zone: string): boolean {
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  return resolved !== zone && resolved.toLowerCase() === zone.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Rule parsing
// ---------------------------------------------------------------------------------------------

const MAX_RULE_LENGTH = 500;
const ALLOWED_FREQUENCIES = new Set(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']);
const SUB_DAILY_FREQUENCIES = new Set(['SECONDLY', 'MINUTELY', 'HOURLY']);
const WEEKDAY = '(?:MO|TU|WE|TH|FR|SA|SU)';
const WEEKDAY_PATTERN = new RegExp(`^${WEEKDAY}$`);
const BYDAY_ITEM = new RegExp(`^(?:([+-]?)(\\d{1,2}))?(${WEEKDAY})$`);
const SIGNED_INTEGER = /^[+-]?\d{1,3}$/;
const POSITIVE_INTEGER = /^[1-9]\d{0,5}$/;
const UNTIL_PATTERN = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/;
const MAX_INTERVAL = 1000;

type PartName = 'FREQ' | 'UNTIL' | 'COUNT' | 'INTERVAL' | 'BYDAY' | 'BYMONTHDAY' | 'BYMONTH' | 'BYSETPOS' | 'WKST';
const PART_NAMES: ReadonlySet<string> = new Set<PartName>([
  'FREQ', 'UNTIL', 'COUNT', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST',
]);

/** When a series ends, as written in UNTIL. */
type Until =
  | { kind: 'instant'; at: Date }
  | { kind: 'localDateTime'; year: number; month: number; day: number; hour: number; minute: number; second: number }
  | { kind: 'localDate'; year: number; month: number; day: number };

/** A validated rule: `rruleBody` is what rrule gets; UNTIL is kept aside and applied by us. */
interface ParsedRule {
  rruleBody: string;
  until: Until | null;
}

type ParseResult = { ok: true; rule: ParsedRule } | { ok: false; message: string };

class RuleError extends Error {}

/**
 * Checks an RFC 5545 RRULE value such as `FREQ=WEEKLY;BYDAY=MO,WE` (an `RRULE:` prefix is
 * allowed). The rule must name FREQ (DAILY, WEEKLY, MONTHLY or YEARLY) and may use UNTIL, COUNT,
 * INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS and WKST. DTSTART, EXDATE, other parts and
 * multi-line input are rejected. On failure `message` is a short sentence fit for an API error.
 */
export function parseRecurrenceRule(rule: string): RecurrenceRuleCheck {
  const result = parseRule(rule);
  return result.ok ? { ok: true } : { ok: false, message: result.message };
}

function parseRule(rule: string): ParseResult {
  try {
    return { ok: true, rule: parseRuleOrThrow(rule) };
  } catch (error) {
    if (error instanceof RuleError) return { ok: false, message: error.message };
    throw error;
  }
}

function parseRuleOrThrow(rule: string): ParsedRule {
  const body = stripPrefix(checkEnvelope(rule)).toUpperCase();
  if (body === '') throw new RuleError('Recurrence rule is empty.');
  const parts = splitParts(body);
  checkFrequency(parts.get('FREQ'));
  checkPartValues(parts);
  checkCombinations(parts);
  const until = parts.has('UNTIL') ? parseUntil(parts.get('UNTIL') ?? '') : null;
  parts.delete('UNTIL');
  const rruleBody = [...parts].map(([name, value]) => `${name}=${value}`).join(';');
  checkRRuleAccepts(rruleBody);
  return { rruleBody, until };
}

// Rejects what must never reach the parser: other iCalendar properties smuggled in on extra
// lines, and the properties that would override the event's own start or exceptions.
function checkEnvelope(rule: string): string {
  if (rule.trim() === '') throw new RuleError('Recurrence rule is empty.');
  if (rule.length > MAX_RULE_LENGTH) throw new RuleError(`Recurrence rule must be at most ${MAX_RULE_LENGTH} characters.`);
  if (/[\r\n]/.test(rule)) throw new RuleError('Recurrence rule must be a single line.');
  if (/DTSTART|EXDATE|RDATE|EXRULE/i.test(rule)) {
    throw new RuleError('Recurrence rule must not contain DTSTART, EXDATE, RDATE or EXRULE; give only the RRULE value.');
  }
  if (/\s/.test(rule)) throw new RuleError('Recurrence rule must not contain spaces.');
  return rule;
}

function stripPrefix(rule: string): string {
  return /^RRULE:/i.test(rule) ? rule.slice('RRULE:'.length) : rule;
}

function splitParts(body: string): Map<PartName, string> {
  const parts = new Map<PartName, string>();
  for (const part of body.split(';')) {
    const match = /^([A-Z]+)=([^=]+)$/.exec(part);
    if (!match) throw new RuleError('Recurrence rule must be a list of NAME=VALUE parts separated by ";".');
    const [, name = '', value = ''] = match;
    if (!PART_NAMES.has(name)) throw new RuleError(`Recurrence rule part ${name} is not supported.`);
    if (parts.has(name as PartName)) throw new RuleError(`Recurrence rule part ${name} is given twice.`);
    parts.set(name as PartName, value);
  }
  return parts;
}

function checkFrequency(freq: string | undefined): void {
  if (freq === undefined) throw new RuleError('Recurrence rule must specify FREQ.');
  if (SUB_DAILY_FREQUENCIES.has(freq)) throw new RuleError('Meetings can repeat at most daily; use FREQ=DAILY or longer.');
  if (!ALLOWED_FREQUENCIES.has(freq)) throw new RuleError('FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY.');
}

function checkPartValues(parts: Map<PartName, string>): void {
  const freq = parts.get('FREQ') ?? '';
  const interval = parts.get('INTERVAL');
  if (interval !== undefined && !(POSITIVE_INTEGER.test(interval) && Number(interval) <= MAX_INTERVAL)) {
    throw new RuleError(`INTERVAL must be a whole number from 1 to ${MAX_INTERVAL}.`);
  }
  const count = parts.get('COUNT');
  if (count !== undefined && !POSITIVE_INTEGER.test(count)) throw new RuleError('COUNT must be a positive whole number.');
  const wkst = parts.get('WKST');
  if (wkst !== undefined && !WEEKDAY_PATTERN.test(wkst)) throw new RuleError('WKST must be a weekday such as MO.');
  checkList(parts.get('BYMONTH'), 'BYMONTH', (item) => isIntegerIn(item, 1, 12, false));
  checkList(parts.get('BYMONTHDAY'), 'BYMONTHDAY', (item) => isIntegerIn(item, 1, 31, true));
  checkList(parts.get('BYSETPOS'), 'BYSETPOS', (item) => isIntegerIn(item, 1, 366, true));
  checkList(parts.get('BYDAY'), 'BYDAY', (item) => isValidByDay(item, freq, parts.has('BYMONTH')));
}

function checkList(value: string | undefined, name: string, isValidItem: (item: string) => boolean): void {
  if (value === undefined) return;
  if (!value.split(',').every(isValidItem)) throw new RuleError(`${name} has an invalid value.`);
}

/** `SIGNED_INTEGER` within ±[min, max]; negative values (counted from the end) only if `signed`. */
function isIntegerIn(item: string, min: number, max: number, signed: boolean): boolean {
  if (!SIGNED_INTEGER.test(item)) return false;
  const n = Number(item);
  if (!signed && /^[+-]/.test(item)) return false;
  return Math.abs(n) >= min && Math.abs(n) <= max;
}

// "2MO" (second Monday) only means something within a month or a year (RFC 5545 3.3.10); the
// bounds keep out ordinals that can never occur.
function isValidByDay(item: string, freq: string, hasByMonth: boolean): boolean {
  const match = BYDAY_ITEM.exec(item);
  if (!match) return false;
  const ordinal = match[2];
  if (ordinal === undefined) return true;
  const n = Number(ordinal);
  if (freq === 'MONTHLY' || (freq === 'YEARLY' && hasByMonth)) return n >= 1 && n <= 5;
  if (freq === 'YEARLY') return n >= 1 && n <= 53;
  return false;
}

function checkCombinations(parts: Map<PartName, string>): void {
  if (parts.has('UNTIL') && parts.has('COUNT')) throw new RuleError('Recurrence rule must not have both UNTIL and COUNT.');
  if (parts.has('BYSETPOS') && !['BYDAY', 'BYMONTHDAY', 'BYMONTH'].some((name) => parts.has(name as PartName))) {
    throw new RuleError('BYSETPOS needs BYDAY, BYMONTHDAY or BYMONTH.');
  }
}

function parseUntil(value: string): Until {
  const match = UNTIL_PATTERN.exec(value);
  if (!match) throw new RuleError('UNTIL must look like 20271231 or 20271231T235959Z.');
  const [year, month, day] = [match[1], match[2], match[3]].map(Number) as [number, number, number];
  if (match[4] === undefined) {
    if (!DateTime.utc(year, month, day).isValid) throw new RuleError('UNTIL is not a valid date.');
    return { kind: 'localDate', year, month, day };
  }
  const [hour, minute, second] = [match[4], match[5], match[6]].map(Number) as [number, number, number];
  const utc = DateTime.utc(year, month, day, hour, minute, second);
  if (!utc.isValid) throw new RuleError('UNTIL is not a valid date and time.');
  if (match[7] === 'Z') return { kind: 'instant', at: utc.toJSDate() };
  return { kind: 'localDateTime', year, month, day, hour, minute, second };
}

// Our checks are stricter than rrule's, but make sure rrule agrees so expansion cannot fail later.
function checkRRuleAccepts(rruleBody: string): void {
  try {
    new RRule({ ...RRule.parseString(rruleBody), dtstart: new Date(0) }, true);
  } catch {
    throw new RuleError('Recurrence rule is not valid.');
  }
}

// ---------------------------------------------------------------------------------------------
// Expansion
// ---------------------------------------------------------------------------------------------

const DAY_MS = 24 * 60 * 60 * 1000;
/** Upper bound on occurrences rrule may hand us in one expansion. */
const MAX_OCCURRENCES = 100_000;
/** Upper bound on recurrence periods (days, weeks, ...) rrule may step through in one expansion. */
const MAX_PERIODS = 100_000;
/** Shortest length of one period per FREQ, used to estimate how many periods reach a date. */
const MIN_PERIOD_MS: Readonly<Record<number, number>> = {
  [RRule.DAILY]: DAY_MS,
  [RRule.WEEKLY]: 7 * DAY_MS,
  [RRule.MONTHLY]: 28 * DAY_MS,
  [RRule.YEARLY]: 365 * DAY_MS,
};

/**
 * Every occurrence of `event` that overlaps the half-open `window` [from, to) — an occurrence
 * [s, e) overlaps when s < to and e > from — sorted by start, at most `maxInstances` of them
 * (`truncated` tells whether the window holds more).
 *
 * Each occurrence lasts as long as the event (endsAt − startsAt) and starts at the same local
 * wall-clock time as the first one in `event.timeZone`, so a weekly 09:00 Europe/Berlin meeting is
 * at 08:00Z in winter and 07:00Z in summer; BYDAY and friends are evaluated on local dates.
 * If that wall-clock time does not exist on some day (spring-forward gap), the occurrence moves
 * forward by the gap (02:30 becomes 03:30); in the repeated hour of a fall-back day the earlier
 * of the two instants is used (both as RFC 5545 prescribes). UNTIL ending in Z is an absolute instant and an occurrence starting
 * exactly then is included; UNTIL without Z is local wall-clock time, and a date-only UNTIL
 * includes that whole local day. As with rrule, `startsAt` is only an occurrence if it matches
 * the rule.
 *
 * Throws if the zone or the rule is invalid (both should have been checked on input). Rules that
 * would need more than ~100k occurrences or periods of work are cut short and reported as
 * `truncated`.
 */
export function expandInstances(
  event: RecurringEvent,
  window: { from: Date; to: Date },
  maxInstances: number,
): ExpandedInstances {
  const durationMs = event.endsAt.getTime() - event.startsAt.getTime();
  if (event.recurrenceRule === null) return expandSingle(event, window, maxInstances);
  if (!isValidTimeZone(event.timeZone)) throw new Error(`Invalid time zone: ${event.timeZone}`);
  const parsed = parseRule(event.recurrenceRule);
  if (!parsed.ok) throw new Error(`Invalid recurrence rule: ${parsed.message}`);

  const zone = event.timeZone;
  const until = parsed.rule.until === null ? null : untilInstant(parsed.rule.until, zone);
  // Starts must satisfy: start > from − duration (ends after `from`), start < to, start <= UNTIL.
  const startAfter = window.from.getTime() - durationMs;
  const startBefore = Math.min(window.to.getTime(), until === null ? Infinity : until.getTime() + 1);
  if (startBefore <= startAfter) return { instances: [], truncated: false };

  // Floating time is off from real time by the zone's offset (< 1 day) plus any DST shift, so a
  // day of margin on each side of the real bounds cannot lose an occurrence.
  const floatingFrom = new Date(startAfter - DAY_MS - durationMs);
  const floatingTo = new Date(startBefore + DAY_MS + durationMs);
  const floatingStart = toFloating(event.startsAt, zone);
  const rule = buildFloatingRule(parsed.rule.rruleBody, floatingStart);

  const starts: Date[] = [];
  const outcome = iterateBetween(rule, floatingFrom, floatingTo, (floating) => {
    // The first occurrence is the event's own start, even where its wall clock is ambiguous.
    const start = floating.getTime() === floatingStart.getTime() ? new Date(event.startsAt) : fromFloating(floating, zone);
    const t = start.getTime();
    if (t > startAfter && t < startBefore) starts.push(start);
    return starts.length <= maxInstances; // one extra tells us the result is truncated
  });

  starts.sort((a, b) => a.getTime() - b.getTime());
  const instances = starts.slice(0, Math.max(0, maxInstances)).map((start) => instanceAt(start, durationMs));
  return { instances, truncated: starts.length > instances.length || outcome === 'incomplete' };
}

function expandSingle(event: RecurringEvent, window: { from: Date; to: Date }, maxInstances: number): ExpandedInstances {
  const overlaps = event.startsAt < window.to && event.endsAt > window.from;
  if (!overlaps) return { instances: [], truncated: false };
  if (maxInstances < 1) return { instances: [], truncated: true };
  return { instances: [{ startsAt: new Date(event.startsAt), endsAt: new Date(event.endsAt) }], truncated: false };
}

function instanceAt(start: Date, durationMs: number): EventInstance {
  return { startsAt: start, endsAt: new Date(start.getTime() + durationMs) };
}

function untilInstant(until: Until, zone: string): Date {
  switch (until.kind) {
    case 'instant':
      return until.at;
    case 'localDateTime':
      return localToInstant(
        { year: until.year, month: until.month, day: until.day, hour: until.hour, minute: until.minute, second: until.second },
        zone,
      );
    case 'localDate':
      return DateTime.fromObject({ year: until.year, month: until.month, day: until.day }, { zone }).endOf('day').toJSDate();
  }
}

/**
 * "Floating" time: a Date whose UTC fields are the wall-clock fields in `zone`. rrule does its
 * calendar arithmetic on UTC fields, so feeding it floating times makes it work in local time.
 */
function toFloating(instant: Date, zone: string): Date {
  const local = DateTime.fromJSDate(instant, { zone });
  return new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second, local.millisecond));
}

/** The real instant of a floating time's wall clock in `zone`. */
function fromFloating(floating: Date, zone: string): Date {
  return localToInstant(
    {
      year: floating.getUTCFullYear(),
      month: floating.getUTCMonth() + 1,
      day: floating.getUTCDate(),
      hour: floating.getUTCHours(),
      minute: floating.getUTCMinutes(),
      second: floating.getUTCSeconds(),
      millisecond: floating.getUTCMilliseconds(),
    },
    zone,
  );
}

/**
 * Wall-clock fields in `zone` to an instant, as RFC 5545 (3.3.5) resolves local times: a time
 * that occurs twice (fall-back) means the first of the two; a time in a spring-forward gap uses
 * the offset from before the gap, i.e. moves forward (02:30 becomes 03:30). luxon does the latter
 * but picks either instant for the former, so choose the earliest of its candidates.
 */
function localToInstant(fields: DateObjectUnits, zone: string): Date {
  const candidates = DateTime.fromObject(fields, { zone }).getPossibleOffsets();
  const earliest = Math.min(...candidates.map((candidate) => candidate.toMillis()));
  return new Date(earliest);
}

function buildFloatingRule(rruleBody: string, floatingStart: Date): RRuleInstance {
  const options: Partial<RRuleOptions> = { ...RRule.parseString(rruleBody), dtstart: floatingStart, tzid: null, until: null };
  return new RRule(options, true);
}

/** Thrown from inside rrule's loop to abandon an iteration that has used up its budget. */
class PeriodBudgetExceeded extends Error {}

type IterationOutcome = 'complete' | 'incomplete';

/**
 * Runs `rule.between(from, to)` with `visit` called on each occurrence (return false to stop),
 * bounding the work by MAX_OCCURRENCES occurrences and MAX_PERIODS periods. 'incomplete' means a
 * bound cut the iteration short before `to` was reached.
 */
function iterateBetween(rule: RRuleInstance, from: Date, to: Date, visit: (floating: Date) => boolean): IterationOutcome {
  const periodsNeeded = periodsToReach(rule, to);
  limitPeriods(rule, Math.min(periodsNeeded, MAX_PERIODS));
  let seen = 0;
  let capped = false;
  try {
    rule.between(from, to, true, (date) => {
      seen += 1;
      if (seen > MAX_OCCURRENCES) {
        capped = true;
        return false;
      }
      return visit(date);
    });
  } catch (error) {
    if (!(error instanceof PeriodBudgetExceeded)) throw error;
    // With the full budget every period up to `to` has been searched; the rule simply had no
    // occurrences there. Only the MAX_PERIODS cap leaves part of the window unsearched.
    capped = periodsNeeded > MAX_PERIODS;
  }
  return capped ? 'incomplete' : 'complete';
}

/** Generous estimate of how many periods rrule steps through from dtstart until it passes `to`. */
function periodsToReach(rule: RRuleInstance, to: Date): number {
  const { freq, interval, dtstart } = rule.options;
  const periodMs = (MIN_PERIOD_MS[freq] ?? DAY_MS) * interval;
  return Math.max(0, Math.ceil((to.getTime() - dtstart.getTime()) / periodMs)) + 2;
}

/**
 * rrule only tests its stop conditions when it finds a matching date, so a rule that never matches
 * again (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31) steps day by day to the year 9999: seconds of CPU.
 * rrule 2.8 reads `options.interval` once up front and twice per period (see iter/index.js and
 * DateTime.add), so counting those reads bounds the periods it walks. The tests pin this down.
 */
function limitPeriods(rule: RRuleInstance, maxPeriods: number): void {
  const interval = rule.options.interval;
  const maxReads = 1 + 2 * maxPeriods;
  let reads = 0;
  Object.defineProperty(rule.options, 'interval', {
    configurable: true,
    enumerable: true,
    get(): number {
      reads += 1;
      if (reads > maxReads) throw new PeriodBudgetExceeded();
      return interval;
    },
  });
}
