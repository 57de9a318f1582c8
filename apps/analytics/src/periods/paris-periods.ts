/**
 * Periods of the figures, cut in Paris time (the insurer's week starts on Monday 00:00 in
 * Paris). Events are placed by their own time, so a late or out-of-order event lands in the
 * period it belongs to, whatever its arrival order.
 */
export type Period = 'day' | 'week' | 'month';

/** The granularities of the distinct-member figures (establishments feeding...); 'all' = ever. */
export enum Granularity {
  DAY = 'd',
  WEEK = 'w',
  MONTH = 'm',
  ALL = 'a',
}

/** The period start of the 'all' granularity. */
export const ALL_PERIOD = '1970-01-01';

export const granularityOf: Readonly<Record<Period | 'all', Granularity>> = {
  day: Granularity.DAY,
  week: Granularity.WEEK,
  month: Granularity.MONTH,
  all: Granularity.ALL,
};

const parisDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });

// Paris' offset from UTC is a whole number of hours (+1 or +2) and changes on an hour boundary,
// so every instant of one UTC hour has the same Paris date: formatting once per hour keeps
// Intl (a few microseconds a call) out of the consumer's hot path.
const dayByUtcHour = new Map<number, string>();
const HOUR_MS = 3_600_000;

/** The Paris calendar day (YYYY-MM-DD) of an instant. */
export function parisDay(instant: string | Date): string {
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${String(instant)}`);
  const hour = Math.floor(ms / HOUR_MS);
  let day = dayByUtcHour.get(hour);
  if (day === undefined) {
    day = parisDate.format(new Date(hour * HOUR_MS));
    if (dayByUtcHour.size > 200_000) dayByUtcHour.clear();
    dayByUtcHour.set(hour, day);
  }
  return day;
}

function parseDay(day: string): Date {
  const date = new Date(`${day}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(date.getTime())) throw new RangeError(`not a day: ${day}`);
  return date;
}

/** The Monday of the (ISO) week holding a calendar day. */
export function weekStart(day: string): string {
  const date = parseDay(day);
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  date.setUTCDate(date.getUTCDate() - sinceMonday);
  return date.toISOString().slice(0, 10);
}

/** The first day of the month holding a calendar day. */
export function monthStart(day: string): string {
  parseDay(day);
  return `${day.slice(0, 8)}01`;
}

/** The start of the period of a given granularity holding a calendar day. */
export function periodStart(granularity: Granularity, day: string): string {
  switch (granularity) {
    case Granularity.DAY:
      return parseDay(day).toISOString().slice(0, 10);
    case Granularity.WEEK:
      return weekStart(day);
    case Granularity.MONTH:
      return monthStart(day);
    case Granularity.ALL:
      return ALL_PERIOD;
  }
}

/** The start of the period after the one holding a calendar day ('9999-12-31' for 'all'). */
export function nextPeriodStart(granularity: Granularity, day: string): string {
  if (granularity === Granularity.ALL) return '9999-12-31';
  const date = parseDay(periodStart(granularity, day));
  switch (granularity) {
    case Granularity.DAY:
      date.setUTCDate(date.getUTCDate() + 1);
      break;
    case Granularity.WEEK:
      date.setUTCDate(date.getUTCDate() + 7);
      break;
    case Granularity.MONTH:
      date.setUTCMonth(date.getUTCMonth() + 1);
      break;
  }
  return date.toISOString().slice(0, 10);
}
