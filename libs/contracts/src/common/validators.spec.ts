import { generateIns, insKey, isIns, seededRandom } from '@dmp/domain';
import { isCanonicalIns, isIsoDateTime } from './validators';

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

describe(isCanonicalIns.name, () => {
  it('accepts exactly what @dmp/domain accepts unchanged, on generated INS and on every one-character change of them', () => {
    const random = seededRandom(97);
    const generated = Array.from({ length: 3_000 }, () => generateIns(random) as string);
    const corsican = generated.slice(0, 200).map((ins) => `${ins.slice(0, 5)}${random() < 0.5 ? '2A' : '2B'}${ins.slice(7)}`);
    const characters = [...'0123456789ABab ', '\u0660'];
    const values: string[] = [...generated, ...corsican];
    for (const ins of [...generated.slice(0, 150), ...corsican.slice(0, 50)]) {
      for (let i = 0; i < ins.length; i++) for (const c of characters) values.push(`${ins.slice(0, i)}${c}${ins.slice(i + 1)}`);
      values.push(ins.slice(1), `${ins}0`, ` ${ins}`, ins.toLowerCase());
    }
    // Each rule on its own: NIRs with every sex digit, month, department 00 and 2A/2B, commune and
    // order 000, given their right key (otherwise the key alone would refuse them).
    const withKey = (nir: string): string => `${nir}${insKey(nir)}`;
    for (const ins of generated.slice(0, 20)) {
      for (let d = 0; d < 10; d++) values.push(withKey(`${d}${ins.slice(1, 13)}`));
      for (let month = 0; month < 100; month++) values.push(withKey(`${ins.slice(0, 3)}${String(month).padStart(2, '0')}${ins.slice(5, 13)}`));
      for (const department of ['00', '01', '2A', '2B', '99']) values.push(withKey(`${ins.slice(0, 5)}${department}${ins.slice(7, 13)}`));
      values.push(withKey(`${ins.slice(0, 7)}000${ins.slice(10, 13)}`), withKey(`${ins.slice(0, 10)}000`), withKey(`${ins.slice(0, 7)}001${ins.slice(10, 13)}`));
    }
    // Keys: every key of some NIRs, so that matching and non-matching keys are both well covered.
    for (const ins of generated.slice(0, 30)) for (let key = 0; key < 100; key++) values.push(`${ins.slice(0, 13)}${String(key).padStart(2, '0')}`);
    const differing = values.filter((v) => isCanonicalIns(v) !== isIns(v));
    expect(differing).toEqual([]);
    expect(values.filter((v) => isIns(v)).length).toBeGreaterThan(3_000);
    expect(values.filter((v) => !isIns(v)).length).toBeGreaterThan(30_000);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 100017510100151, {}, []]) expect(isCanonicalIns(value)).toBe(false);
  });
});
