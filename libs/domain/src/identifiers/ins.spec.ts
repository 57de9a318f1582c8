import { insKey, isIns, toIns, validateIns } from './ins';

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
