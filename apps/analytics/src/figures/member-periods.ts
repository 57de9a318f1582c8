import { Granularity, nextPeriodStart } from '../periods/paris-periods';

export interface MemberCount {
  period: string;
  grp: string;
  members: number;
}

/** Members per day bit of one month and breakdown, as PostgreSQL sums them (see DAY_BIT_SUMS). */
export interface MonthDayCounts {
  month: string;
  grp: string;
  /** n[i]: members seen on day i + 1. */
  n: number[];
}

const DAY_MS = 86_400_000;
const monthDays = new Map<string, string[]>();

/** The calendar days of a month, one per day bit. */
function daysOf(month: string): string[] {
  const known = monthDays.get(month);
  if (known) return known;
  const next = nextPeriodStart(Granularity.MONTH, month);
  const first = Date.parse(`${month}T00:00:00.000Z`);
  const days: string[] = [];
  for (let i = 0; i < 31; i++) {
    const day = new Date(first + i * DAY_MS).toISOString().slice(0, 10);
    if (day >= next) break;
    days.push(day);
  }
  monthDays.set(month, days);
  return days;
}

/** The SQL summing each day bit of the rows of a group: PostgreSQL folds the rows, the service only reads the sums. */
export const DAY_BIT_SUMS = `ARRAY[${Array.from({ length: 31 }, (_, i) => `sum((days >> ${i}) & 1)`).join(', ')}]::int[]`;

/**
 * Distinct members per day and breakdown from per-month sums of the day bits (a member-month row
 * is one member, so a day bit's sum counts each member once), days in [from, before) only.
 */
export function dayCounts(rows: readonly MonthDayCounts[], from = '0000-01-01', before = '9999-12-31'): MemberCount[] {
  const out: MemberCount[] = [];
  for (const row of rows) {
    const days = daysOf(row.month);
    for (let i = 0; i < days.length; i++) if (row.n[i] > 0 && days[i] >= from && days[i] < before) out.push({ period: days[i], grp: row.grp, members: row.n[i] });
  }
  return out.sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.grp < b.grp ? -1 : a.grp > b.grp ? 1 : 0));
}
