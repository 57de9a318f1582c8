import { Granularity, nextPeriodStart, weekStart } from '../periods/paris-periods';

/** A member_months row as the figures read it: the days of the month as bits (bit i = day i + 1). */
export interface MemberMonthRow {
  month: string;
  memberId: string;
  grp: string;
  days: number;
}

export interface MemberCount {
  period: string;
  grp: string;
  members: number;
}

/** The calendar of one month, as the fold needs it. */
interface MonthCalendar {
  /** The first day of the month before. */
  previous: string;
  /** The calendar day of each bit. */
  days: string[];
  /** The Monday of each week with days in this month, in order. */
  weeks: string[];
  /** The bits of each of those weeks' days in this month. */
  weekBits: number[];
}

const DAY_MS = 86_400_000;
const calendars = new Map<string, MonthCalendar>();

function calendarOf(month: string): MonthCalendar {
  const known = calendars.get(month);
  if (known) return known;
  const next = nextPeriodStart(Granularity.MONTH, month);
  const first = Date.parse(`${month}T00:00:00.000Z`);
  const previous = new Date(first - DAY_MS).toISOString().slice(0, 8) + '01';
  const calendar: MonthCalendar = { previous, days: [], weeks: [], weekBits: [] };
  for (let i = 0; i < 31; i++) {
    const day = new Date(first + i * DAY_MS).toISOString().slice(0, 10);
    if (day >= next) break;
    calendar.days.push(day);
    const monday = weekStart(day);
    if (calendar.weeks[calendar.weeks.length - 1] !== monday) {
      calendar.weeks.push(monday);
      calendar.weekBits.push(0);
    }
    calendar.weekBits[calendar.weekBits.length - 1] |= 1 << i;
  }
  calendars.set(month, calendar);
  return calendar;
}

/** The bits of a month's days that fall in [from, before). */
function rangeBits(calendar: MonthCalendar, from: string, before: string): number {
  let bits = 0;
  for (let i = 0; i < calendar.days.length; i++) if (calendar.days[i] >= from && calendar.days[i] < before) bits |= 1 << i;
  return bits;
}

/** Per month and breakdown: counts per day bit or per week of the month, and the range's bits. */
interface Cell {
  calendar: MonthCalendar;
  grp: string;
  range: number;
  counts: Int32Array;
  /** Members of this month's first week counted in the month before too (same week, same breakdown). */
  twice: number;
}

/**
 * Distinct members per day or per week and breakdown, from member-month rows, counting only the
 * days in [from, before). A row is one member in one month, so a day (in one month) counts each
 * row once, and so does a week inside one month. A week across two months is counted in both
 * months' cells, less one for each member whose rows of both months fall in it: for 'week', the
 * rows must come sorted by member, then month, so that those two rows are neighbours. Counts are
 * kept per month and breakdown in arrays (no string built per day or week of a row): a year of a
 * figure's rows (tens of thousands) folds in milliseconds.
 */
export function countMembers(rows: readonly MemberMonthRow[], per: 'day' | 'week', from = '0000-01-01', before = '9999-12-31'): MemberCount[] {
  const cells = new Map<string, Map<string, Cell>>();
  let previous: { row: MemberMonthRow; bits: number; cell: Cell } | undefined;
  for (const row of rows) {
    let byGrp = cells.get(row.month);
    if (!byGrp) cells.set(row.month, (byGrp = new Map()));
    let cell = byGrp.get(row.grp);
    if (!cell) {
      const calendar = calendarOf(row.month);
      cell = { calendar, grp: row.grp, range: rangeBits(calendar, from, before), counts: new Int32Array(per === 'day' ? 31 : calendar.weeks.length), twice: 0 };
      byGrp.set(row.grp, cell);
    }
    let bits = row.days & cell.range;
    if (per === 'day') {
      while (bits !== 0) {
        cell.counts[31 - Math.clz32(bits & -bits)]++;
        bits &= bits - 1;
      }
      continue;
    }
    const { weeks, weekBits } = cell.calendar;
    for (let w = 0; w < weeks.length; w++) if ((bits & weekBits[w]) !== 0) cell.counts[w]++;
    // The same member in the month before, in the same breakdown: the week they share, if both
    // rows have days in it, was counted once in each month.
    if (previous && previous.row.memberId === row.memberId && previous.row.month === cell.calendar.previous && previous.row.grp === row.grp) {
      const earlier = previous.cell.calendar;
      const last = earlier.weeks.length - 1;
      if (earlier.weeks[last] === weeks[0] && (previous.bits & earlier.weekBits[last]) !== 0 && (bits & weekBits[0]) !== 0) cell.twice++;
    }
    previous = { row, bits, cell };
  }
  const counts = new Map<string, MemberCount>();
  for (const byGrp of cells.values()) {
    for (const cell of byGrp.values()) {
      const periods = per === 'day' ? cell.calendar.days : cell.calendar.weeks;
      for (let i = 0; i < cell.counts.length; i++) {
        if (cell.counts[i] === 0) continue;
        const key = `${periods[i]}\u0000${cell.grp}`;
        const count = counts.get(key);
        if (count) count.members += cell.counts[i];
        else counts.set(key, { period: periods[i], grp: cell.grp, members: cell.counts[i] });
      }
    }
  }
  if (per === 'week') {
    for (const byGrp of cells.values()) for (const cell of byGrp.values()) if (cell.twice > 0) (counts.get(`${cell.calendar.weeks[0]}\u0000${cell.grp}`) as MemberCount).members -= cell.twice;
  }
  return [...counts.values()].sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.grp < b.grp ? -1 : a.grp > b.grp ? 1 : 0));
}

/** Members per day bit of one month and breakdown, as PostgreSQL sums them (see DAY_BIT_SUMS). */
export interface MonthDayCounts {
  month: string;
  grp: string;
  /** n[i]: members seen on day i + 1. */
  n: number[];
}

/** The SQL summing each day bit of the rows of a group: PostgreSQL folds the rows, the service only reads the sums. */
export const DAY_BIT_SUMS = `ARRAY[${Array.from({ length: 31 }, (_, i) => `sum((days >> ${i}) & 1)`).join(', ')}]::int[]`;

/** Distinct members per day and breakdown from per-month sums of the day bits, days in [from, before) only. */
export function dayCounts(rows: readonly MonthDayCounts[], from = '0000-01-01', before = '9999-12-31'): MemberCount[] {
  const out: MemberCount[] = [];
  for (const row of rows) {
    const { days } = calendarOf(row.month);
    for (let i = 0; i < days.length; i++) if (row.n[i] > 0 && days[i] >= from && days[i] < before) out.push({ period: days[i], grp: row.grp, members: row.n[i] });
  }
  return out.sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.grp < b.grp ? -1 : a.grp > b.grp ? 1 : 0));
}
