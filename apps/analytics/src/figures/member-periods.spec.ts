import { countMembers, dayCounts, MemberMonthRow } from './member-periods';

const bits = (...days: number[]): number => days.reduce((acc, d) => acc | (1 << (d - 1)), 0);
const row = (month: string, memberId: string, grp: string, ...days: number[]): MemberMonthRow => ({ month, memberId, grp, days: bits(...days) });

describe(countMembers.name, () => {
  it('counts each member once per day it was seen, per breakdown', () => {
    const sut = countMembers([row('2019-12-01', 'a', 'nurse', 2, 3), row('2019-12-01', 'b', 'nurse', 3), row('2019-12-01', 'c', 'physician', 3)], 'day');

    expect(sut).toEqual([
      { period: '2019-12-02', grp: 'nurse', members: 1 },
      { period: '2019-12-03', grp: 'nurse', members: 2 },
      { period: '2019-12-03', grp: 'physician', members: 1 },
    ]);
  });

  it('counts a member seen on several days of a week once in that week', () => {
    expect(countMembers([row('2019-12-01', 'a', 'chu', 9, 10, 15, 16)], 'week')).toEqual([
      { period: '2019-12-09', grp: 'chu', members: 1 },
      { period: '2019-12-16', grp: 'chu', members: 1 },
    ]);
  });

  it('counts a member seen in both months of a week across them once, and the others of that week too', () => {
    // Week of Monday 2019-12-30: two days in December, five in January.
    const sut = countMembers([row('2019-12-01', 'a', 'chu', 30), row('2020-01-01', 'a', 'chu', 2), row('2020-01-01', 'b', 'chu', 1), row('2019-12-01', 'c', 'chu', 31)], 'week');

    expect(sut).toEqual([{ period: '2019-12-30', grp: 'chu', members: 3 }]);
  });

  it('counts a member of a week across two months once only when both months have days in that week', () => {
    // Rows by member, then month. a: Friday 2019-11-29 and Sunday 2019-12-01 (one week); b: 2019-11-29 and 2019-12-02 (two weeks).
    const sut = countMembers([row('2019-11-01', 'a', 'chu', 29), row('2019-12-01', 'a', 'chu', 1), row('2019-11-01', 'b', 'chu', 29), row('2019-12-01', 'b', 'chu', 2)], 'week');

    expect(sut).toEqual([
      { period: '2019-11-25', grp: 'chu', members: 2 },
      { period: '2019-12-02', grp: 'chu', members: 1 },
    ]);
  });

  it('counts only the days in [from, before)', () => {
    const rows = [row('2019-12-01', 'a', '', 1, 2, 3, 31)];

    expect(countMembers(rows, 'day', '2019-12-02', '2019-12-31')).toEqual([
      { period: '2019-12-02', grp: '', members: 1 },
      { period: '2019-12-03', grp: '', members: 1 },
    ]);
  });

  it('places the last day of February in a leap year and a 31st in their weeks', () => {
    expect(countMembers([row('2020-02-01', 'a', '', 29), row('2019-03-01', 'b', '', 31)], 'day')).toEqual([
      { period: '2019-03-31', grp: '', members: 1 },
      { period: '2020-02-29', grp: '', members: 1 },
    ]);
  });
});

describe(dayCounts.name, () => {
  it('turns per-month sums of the day bits into days, without the empty ones and those outside [from, before)', () => {
    const n = Array<number>(31).fill(0);
    n[0] = 2;
    n[30] = 1;
    const feb = Array<number>(31).fill(0);
    feb[28] = 4;

    const sut = dayCounts([{ month: '2019-12-01', grp: 'nurse', n }, { month: '2020-02-01', grp: 'nurse', n: feb }], '2019-12-01', '2020-03-01');

    expect(sut).toEqual([
      { period: '2019-12-01', grp: 'nurse', members: 2 },
      { period: '2019-12-31', grp: 'nurse', members: 1 },
      { period: '2020-02-29', grp: 'nurse', members: 4 },
    ]);
    expect(dayCounts([{ month: '2019-12-01', grp: 'nurse', n }], '2019-12-02')).toEqual([{ period: '2019-12-31', grp: 'nurse', members: 1 }]);
  });
});
