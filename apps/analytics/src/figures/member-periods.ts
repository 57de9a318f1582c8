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

interface MonthDays {
  /** The calendar day of each bit; undefined past the month's last day. */
  day: Array<string | undefined>;
  /** The Monday of each bit's day. */
  week: Array<string | undefined>;
  /** Whether that week also has days in another month (its members need a cross-month dedupe). */
  sharedWeek: boolean[];
}

const monthDays = new Map<string, MonthDays>();

function daysOf(month: string): MonthDays {
  let known = monthDays.get(month);
  if (known) return known;
  const next = nextPeriodStart(Granularity.MONTH, month);
  known = { day: [], week: [], sharedWeek: [] };
  const first = new Date(`${month}T00:00:00.000Z`);
  for (let i = 0; i < 31; i++) {
    const date = new Date(first.getTime() + i * 86_400_000);
    const day = date.toISOString().slice(0, 10);
    if (day >= next) break;
    const monday = weekStart(day);
    const sunday = new Date(Date.parse(`${monday}T00:00:00.000Z`) + 6 * 86_400_000).toISOString().slice(0, 10);
    known.day.push(day);
    known.week.push(monday);
    known.sharedWeek.push(monday < month || sunday >= next);
  }
  monthDays.set(month, known);
  return known;
}

/**
 * Distinct members per day or per week and breakdown, from member-month rows, counting only the
 * days in [from, before). A row is one member in one month, so a day (in one month) counts each
 * row once; a week inside one month does too; a week across two months counts each member once
 * over both months' rows.
 */
export function countMembers(rows: readonly MemberMonthRow[], per: 'day' | 'week', from = '0000-01-01', before = '9999-12-31'): MemberCount[] {
  const counts = new Map<string, MemberCount>();
  const shared = new Map<string, { count: MemberCount; members: Set<string> }>();
  for (const row of rows) {
    const month = daysOf(row.month);
    let bits = row.days;
    let lastWeek: string | undefined;
    while (bits !== 0) {
      const i = 31 - Math.clz32(bits & -bits);
      bits &= bits - 1;
      const day = month.day[i];
      if (day === undefined || day < from || day >= before) continue;
      const period = per === 'day' ? day : (month.week[i] as string);
      // Bits come in day order: the days of one week are consecutive.
      if (per === 'week' && period === lastWeek) continue;
      lastWeek = period;
      const key = `${period}\u0000${row.grp}`;
      if (per === 'week' && month.sharedWeek[i]) {
        let entry = shared.get(key);
        if (!entry) {
          entry = { count: counts.get(key) ?? { period, grp: row.grp, members: 0 }, members: new Set() };
          counts.set(key, entry.count);
          shared.set(key, entry);
        }
        if (!entry.members.has(row.memberId)) {
          entry.members.add(row.memberId);
          entry.count.members++;
        }
        continue;
      }
      const count = counts.get(key);
      if (count) count.members++;
      else counts.set(key, { period, grp: row.grp, members: 1 });
    }
  }
  return [...counts.values()].sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.grp < b.grp ? -1 : a.grp > b.grp ? 1 : 0));
}
