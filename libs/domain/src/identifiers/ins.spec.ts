import { generateIns, seededRandom } from './generators';
import { insKey, isIns, toIns, validateIns } from './ins';

/** The definition isIns had before it decided by itself: validateIns accepts it unchanged. */
function acceptedUnchanged(value: unknown): boolean {
  const result = validateIns(value);
  return result.ok && result.value === value;
}

describe(validateIns.name, () => {
  // Keys computed independently (Python big integers) for this table.
  it.each([
    ['an ordinary NIR', '100017510100151'],
    ['a man born in December 1989', '189127512501282'],
    ['a NIR born in Corse-du-Sud (2A counts as 19)', '185012A12345666'],
    ['a NIR born in Haute-Corse (2B counts as 18)', '292052B04501226'],
    ['a NIR born abroad (department 99)', '269129934103965'],
  ])('accepts %s', (_case, ins) => {
    const sut = validateIns(ins);

    expect(sut).toEqual({ ok: true, value: ins });
  });

  it.each([
    ['spaces between groups', '1 00 01 75 101 001 51', '100017510100151'],
    ['surrounding spaces', '  100017510100151 ', '100017510100151'],
    ['lower-case Corsican department', '185012a12345666', '185012A12345666'],
  ])('accepts %s and returns the canonical form', (_case, raw, canonical) => {
    expect(validateIns(raw)).toEqual({ ok: true, value: canonical });
  });

  it.each([
    ['a key that does not match', '100017510100152', 'INS key 52 does not match the NIR (expected 51)'],
    ['a Corsican NIR keyed as if 2A were 20', '185012A12345639', 'INS key 39 does not match the NIR (expected 66)'],
    ['14 characters', '10001751010015', 'INS must have 15 characters (13 for the NIR and 2 for the key), got 14'],
    ['16 characters', '1000175101001511', 'INS must have 15 characters (13 for the NIR and 2 for the key), got 16'],
    ['a letter outside positions 6-7', '10001751010A151', 'INS must contain only digits, except 2A or 2B at positions 6-7 for people born in Corsica'],
    ['a department 2C', '185012C12345666', 'INS must contain only digits, except 2A or 2B at positions 6-7 for people born in Corsica'],
    ['a sex digit 5', '500017510100151', 'INS position 1 (sex) must be 1, 2, 3, 4, 7 or 8, got 5'],
    ['a month 13', '100137510100151', 'INS positions 4-5 (month of birth) must be 01-12, 20, 30-42 or 50-99, got 13'],
    ['a month 00', '100007510100151', 'INS positions 4-5 (month of birth) must be 01-12, 20, 30-42 or 50-99, got 00'],
    ['a department 00', '100010010100151', 'INS positions 6-7 (department of birth) cannot be 00'],
    ['a commune 000', '100017500000151', 'INS positions 8-10 (commune of birth) cannot be 000'],
    ['an order number 000', '100017510100051', 'INS positions 11-13 (birth order number) cannot be 000'],
    ['an empty string', '', 'INS is empty'],
    ['a number', 100017510100151, 'INS must be a string of 15 characters, got a number'],
    ['null', null, 'INS must be a string of 15 characters, got null'],
    ['undefined', undefined, 'INS must be a string of 15 characters, got undefined'],
  ])('refuses %s with a reason naming what is wrong', (_case, raw, reason) => {
    expect(validateIns(raw)).toEqual({ ok: false, reason });
  });
});

describe(insKey.name, () => {
  it.each([
    ['1000175101001', '51'],
    ['1891275125012', '82'],
    ['185012A123456', '66'],
    ['292052B045012', '26'],
  ])('computes the key of %s as %s', (nir, key) => {
    expect(insKey(nir)).toBe(key);
  });

  it('pads keys below 10 with a zero', () => {
    // 97 - (n mod 97) < 10 when n mod 97 > 87: search a NIR with that property.
    let order = 1;
    let key = insKey(`1000175101${String(order).padStart(3, '0')}`);
    while (Number(key) >= 10) key = insKey(`1000175101${String(++order).padStart(3, '0')}`);

    expect(key).toMatch(/^0[1-9]$/);
  });

  it('refuses anything but a 13-character NIR', () => {
    expect(() => insKey('12345')).toThrow(RangeError);
  });
});

describe(isIns.name, () => {
  it('is true only for the canonical form', () => {
    expect(isIns('100017510100151')).toBe(true);
    expect(isIns(' 100017510100151')).toBe(false);
    expect(isIns('185012a12345666')).toBe(false);
    expect(isIns(42)).toBe(false);
  });
});

describe(toIns.name, () => {
  it('throws the reason for an invalid INS', () => {
    expect(() => toIns('100017510100152')).toThrow('INS key 52 does not match the NIR (expected 51)');
  });
});

describe(`${isIns.name}, against validateIns`, () => {
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
    const differing = values.filter((v) => isIns(v) !== acceptedUnchanged(v));
    expect(differing).toEqual([]);
    expect(values.filter((v) => acceptedUnchanged(v)).length).toBeGreaterThan(3_000);
    expect(values.filter((v) => !acceptedUnchanged(v)).length).toBeGreaterThan(30_000);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 100017510100151, {}, []]) expect(isIns(value)).toBe(false);
  });
});
