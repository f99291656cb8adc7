// Business-hours arithmetic in the business's time zone. Wall-clock times come from
// Intl.DateTimeFormat (available in Temporal workflows); no other library and no machine time zone,
// so a replay computes the same deadlines as the original run.

export interface BusinessCalendar {
  /** IANA zone the opening hours and holidays are written in, e.g. "Europe/London". */
  timeZone: string;
  /** Weekly opening periods; day 0 = Sunday .. 6 = Saturday, "HH:MM" wall-clock times. */
  businessHours: { day: number; start: string; end: string }[];
  /** Closed dates (YYYY-MM-DD) in `timeZone`. */
  holidays: string[];
}

export type SlaCalendarKind = 'calendar' | 'business';

const MINUTE_MS = 60_000;
// A calendar with hours but none reachable (every open day a holiday) must not loop forever.
const MAX_DAYS_SCANNED = 366 * 5;

/** `start` plus `durationMs` of open time: closed nights, weekends and holidays do not count. */
export function addBusinessTime(start: Date, durationMs: number, cal: BusinessCalendar): Date {
  let remaining = durationMs;
  if (remaining <= 0) return start;
  for (const [open, close] of openIntervalsFrom(start, cal)) {
    if (remaining <= close - open) return new Date(open + remaining);
    remaining -= close - open;
  }
  throw noOpenHours(cal);
}

/** Whether the business is open at this instant (a period's start is open, its end is not). */
export function isOpen(at: Date, cal: BusinessCalendar): boolean {
  const [first] = openIntervalsFrom(at, cal);
  return first !== undefined && first[0] === at.getTime();
}

/** The first open instant at or after `at`: `at` itself while open. */
export function nextOpening(at: Date, cal: BusinessCalendar): Date {
  const [first] = openIntervalsFrom(at, cal);
  if (first === undefined) throw noOpenHours(cal);
  return new Date(first[0]);
}

/** When an SLA target of `durationMs` started at `start` is due, in the policy's kind of time. */
export function slaDeadline(
  start: Date,
  durationMs: number,
  policyCalendar: SlaCalendarKind,
  cal: BusinessCalendar,
): Date {
  return policyCalendar === 'calendar'
    ? new Date(start.getTime() + durationMs)
    : addBusinessTime(start, durationMs, cal);
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/**
 * Open intervals [open, close) in epoch ms that end after `from`, in time order, the first one
 * clipped to start no earlier than `from`. Lazily generated, at most MAX_DAYS_SCANNED days ahead.
 */
function* openIntervalsFrom(from: Date, cal: BusinessCalendar): Generator<[number, number]> {
  const fromMs = from.getTime();
  const holidays = new Set(cal.holidays);
  let date = localParts(fromMs, cal.timeZone);
  for (let scanned = 0; scanned < MAX_DAYS_SCANNED; scanned += 1, date = addDays(date, 1)) {
    if (holidays.has(isoDate(date))) continue;
    for (const [startMinute, endMinute] of periodsOn(weekday(date), cal)) {
      const open = zonedToEpoch(date, startMinute, cal.timeZone);
      const close = zonedToEpoch(date, endMinute, cal.timeZone);
      if (close > fromMs && close > open) yield [Math.max(open, fromMs), close];
    }
  }
}

/** The day's periods as minute ranges, sorted, with overlapping or touching ones merged. */
function periodsOn(day: number, cal: BusinessCalendar): [number, number][] {
  const ranges = cal.businessHours
    .filter((period) => period.day === day)
    .map((period): [number, number] => [toMinutes(period.start), toMinutes(period.end)])
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([...range]);
  }
  return merged;
}

function toMinutes(hhmm: string): number {
  const [hours = 0, minutes = 0] = hhmm.split(':').map(Number);
  return hours * 60 + minutes;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface WallClock extends LocalDate {
  hour: number;
  minute: number;
  second: number;
}

function wallClock(epochMs: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function localParts(epochMs: number, timeZone: string): LocalDate {
  const { year, month, day } = wallClock(epochMs, timeZone);
  return { year, month, day };
}

/** How far the zone's wall clock is ahead of UTC at this instant, in ms. */
function offsetAt(epochMs: number, timeZone: string): number {
  const clock = wallClock(epochMs, timeZone);
  const asUtc = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The instant at which the zone's wall clock shows `minutes` past midnight of `date` (1440 is the
 * next midnight). Two passes settle the offset on DST days; a wall time skipped by the clock going
 * forward lands on the instant the same distance past the jump.
 */
function zonedToEpoch(date: LocalDate, minutes: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minutes * MINUTE_MS;
  const firstGuess = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(firstGuess, timeZone);
}

function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

function weekday(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

function isoDate(date: LocalDate): string {
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

function noOpenHours(cal: BusinessCalendar): Error {
  return new Error(`business calendar in ${cal.timeZone} has no open hours in the next ${MAX_DAYS_SCANNED} days`);
}
