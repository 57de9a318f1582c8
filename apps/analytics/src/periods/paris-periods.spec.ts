import { Granularity, monthStart, nextPeriodStart, parisDay, periodStart, weekStart } from './paris-periods';

describe('Paris periods', () => {
  it.each([
    ['a Sunday 23:30 UTC in winter is Monday in Paris', '2019-12-15T23:30:00.000Z', '2019-12-16'],
    ['22:59 UTC in winter is still the same day', '2019-12-15T22:59:59.999Z', '2019-12-15'],
    ['22:30 UTC in summer is the next day in Paris (UTC+2)', '2019-07-14T22:30:00.000Z', '2019-07-15'],
    ['21:59 UTC in summer is the same day', '2019-07-14T21:59:00.000Z', '2019-07-14'],
    ['New Year in Paris starts at 23:00 UTC', '2018-12-31T23:00:00.000Z', '2019-01-01'],
    ['an offset in the instant is honoured', '2019-03-31T01:30:00+02:00', '2019-03-31'],
  ])('gives the Paris day: %s', (_case, instant, day) => {
    expect(parisDay(instant)).toBe(day);
  });

  it('places both sides of the spring and autumn clock changes on their Paris day', () => {
    // 2019-03-31 02:00 Paris became 03:00 (01:00 UTC); 2019-10-27 03:00 became 02:00 (01:00 UTC).
    expect(parisDay('2019-03-30T22:59:00.000Z')).toBe('2019-03-30');
    expect(parisDay('2019-03-30T23:00:00.000Z')).toBe('2019-03-31');
    expect(parisDay('2019-03-31T21:59:00.000Z')).toBe('2019-03-31');
    expect(parisDay('2019-03-31T22:00:00.000Z')).toBe('2019-04-01');
    expect(parisDay('2019-10-26T22:00:00.000Z')).toBe('2019-10-27');
    expect(parisDay('2019-10-27T22:59:00.000Z')).toBe('2019-10-27');
    expect(parisDay('2019-10-27T23:00:00.000Z')).toBe('2019-10-28');
  });

  it('refuses what is not an instant', () => {
    expect(() => parisDay('yesterday')).toThrow(RangeError);
  });

  it.each([
    ['2019-12-16', '2019-12-16'],
    ['2019-12-22', '2019-12-16'],
    ['2020-01-01', '2019-12-30'],
    ['2020-03-01', '2020-02-24'],
  ])('starts the week of %s on Monday %s', (day, monday) => {
    expect(weekStart(day)).toBe(monday);
  });

  it('starts the month on its first day, and checks the day', () => {
    expect(monthStart('2019-02-28')).toBe('2019-02-01');
    expect(() => monthStart('2019-2-28')).toThrow(RangeError);
  });

  it.each([
    [Granularity.DAY, '2019-12-31', '2020-01-01'],
    [Granularity.WEEK, '2019-12-31', '2020-01-06'],
    [Granularity.WEEK, '2019-12-30', '2020-01-06'],
    [Granularity.MONTH, '2019-12-31', '2020-01-01'],
    [Granularity.MONTH, '2020-01-31', '2020-02-01'],
    [Granularity.MONTH, '2020-02-29', '2020-03-01'],
  ])('gives the start of the %s period after the one holding %s: %s', (granularity, day, next) => {
    expect(nextPeriodStart(granularity, day)).toBe(next);
  });

  it('starts the week of a day on its Monday', () => {
    expect(periodStart(Granularity.WEEK, '2019-12-31')).toBe('2019-12-30');
  });
});
