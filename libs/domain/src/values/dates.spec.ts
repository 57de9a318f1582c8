import { addMonths, ageInYears, isMinorOn, majorityDate, toIsoDate, validateIsoDate } from './dates';

describe(validateIsoDate.name, () => {
  it.each(['2019-12-12', '2020-02-29', '1900-01-01'])('accepts %s', (date) => {
    expect(validateIsoDate(date)).toEqual({ ok: true, value: date });
  });

  it.each([
    ['29 February of a common year', '2019-02-29', 'date 2019-02-29 does not exist in the calendar'],
    ['a 13th month', '2019-13-01', 'date 2019-13-01 does not exist in the calendar'],
    ['a French date', '12/12/2019', 'date must be written YYYY-MM-DD, got "12/12/2019"'],
    ['an instant', '2019-12-12T00:00:00Z', 'date must be written YYYY-MM-DD, got "2019-12-12T00:00:00Z"'],
    ['a number', 20191212, 'date must be a string YYYY-MM-DD, got a number'],
  ])('refuses %s', (_case, raw, reason) => {
    expect(validateIsoDate(raw)).toEqual({ ok: false, reason });
  });
});

describe(addMonths.name, () => {
  it.each([
    ['2019-12-12', -24, '2017-12-12'],
    ['2020-03-31', -1, '2020-02-29'],
    ['2019-01-31', 1, '2019-02-28'],
    ['2019-11-15', 3, '2020-02-15'],
  ])('%s plus %d months is %s', (date, months, expected) => {
    expect(addMonths(date, months)).toBe(expected);
  });
});

describe(ageInYears.name, () => {
  it.each([
    ['2001-06-15', '2019-06-14', 17],
    ['2001-06-15', '2019-06-15', 18],
    ['2000-02-29', '2018-02-28', 17],
    ['2000-02-29', '2018-03-01', 18],
  ])('someone born %s is %d on %s', (birth, on, age) => {
    expect(ageInYears(birth, on)).toBe(age);
  });

  it('says who is a minor and when they come of age', () => {
    expect(isMinorOn('2001-06-15', '2019-06-14')).toBe(true);
    expect(isMinorOn('2001-06-15', '2019-06-15')).toBe(false);
    expect(majorityDate('2001-06-15')).toBe('2019-06-15');
  });
});

describe(toIsoDate.name, () => {
  it('takes the UTC calendar date', () => {
    expect(toIsoDate(new Date('2019-12-12T23:30:00.000Z'))).toBe('2019-12-12');
  });
});
