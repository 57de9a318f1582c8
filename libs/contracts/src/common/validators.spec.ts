import { isIsoDateTime } from './validators';

/** The definition isIsoDateTime had before it read the fields itself: its pattern, then Date.parse. */
const INSTANT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})$/;
function byDateParse(value: string): boolean {
  return INSTANT.test(value) && !Number.isNaN(Date.parse(value));
}

const two = (n: number): string => String(n).padStart(2, '0');
const everyTwoDigits = Array.from({ length: 100 }, (_, i) => two(i));

function disagreements(values: string[]): string[] {
  return values.filter((v) => isIsoDateTime(v) !== byDateParse(v));
}

describe(isIsoDateTime.name, () => {
  it('decides as its pattern + Date.parse for every month and day of leap and common years', () => {
    const values = ['0000', '1900', '2000', '2019', '2020', '9999'].flatMap((year) =>
      everyTwoDigits.flatMap((month) => everyTwoDigits.map((day) => `${year}-${month}-${day}T09:30:00.000Z`)),
    );
    expect(disagreements(values)).toEqual([]);
    expect(values.filter(byDateParse).length).toBe(6 * 12 * 31);
  });

  it('decides as its pattern + Date.parse for every hour and minute, and every second around the hour 24', () => {
    const values = [
      ...everyTwoDigits.flatMap((hour) => everyTwoDigits.flatMap((minute) => ['00', '01', '59', '60', '99'].map((second) => `2019-12-12T${hour}:${minute}:${second}Z`))),
      ...['00', '23', '24', '25'].flatMap((hour) => ['00', '01', '59'].flatMap((minute) => everyTwoDigits.map((second) => `2019-12-12T${hour}:${minute}:${second}Z`))),
    ];
    expect(disagreements(values)).toEqual([]);
  });

  it('decides as its pattern + Date.parse for every offset', () => {
    const values = ['+', '-'].flatMap((sign) =>
      everyTwoDigits.flatMap((hours) => everyTwoDigits.flatMap((minutes) => ['09:30:00', '24:00:00', '24:00:00.000'].map((time) => `2019-12-12T${time}${sign}${hours}:${minutes}`))),
    );
    expect(disagreements(values)).toEqual([]);
  });

  it('decides as its pattern + Date.parse on fractions, at 24:00 and otherwise', () => {
    const fractions = ['', '.0', '.00', '.000', '.0000', '.000000000', '.1', '.01', '.001', '.0001', '.000000001', '.100000000', '.5', '.1234567891'];
    const values = fractions.flatMap((fraction) =>
      ['Z', '+01:00', '-00:00', '+23:59', 'z', ''].flatMap((zone) =>
        ['24:00:00', '24:00:01', '24:01:00', '23:59:59', '00:00:00'].map((time) => `2019-12-12T${time}${fraction}${zone}`),
      ),
    );
    expect(disagreements(values)).toEqual([]);
    expect(isIsoDateTime('2019-12-12T24:00:00.000+01:00')).toBe(true);
    expect(isIsoDateTime('2019-12-12T24:00:00.0001Z')).toBe(false);
  });

  it('refuses what is not a string in the pattern', () => {
    for (const value of [undefined, null, 0, 1576108800000, new Date(), '', '2019-12-12', '2019-12-12 09:30:00Z', ' 2019-12-12T09:30:00Z']) {
      expect(isIsoDateTime(value)).toBe(false);
    }
  });
});
