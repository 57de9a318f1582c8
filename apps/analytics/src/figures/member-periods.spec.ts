import { dayCounts } from './member-periods';

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
