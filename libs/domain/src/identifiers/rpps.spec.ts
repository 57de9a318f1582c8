import { isRpps, rppsCheckDigit, validateRpps } from './rpps';

describe(validateRpps.name, () => {
  it.each(['10000000009', '10034567890', '10123456781', '10999999997'])('accepts %s', (rpps) => {
    expect(validateRpps(rpps)).toEqual({ ok: true, value: rpps });
  });

  it.each([
    ['a wrong check digit', '10123456782', 'RPPS check digit 2 does not match (expected 1)'],
    ['two digits swapped', '10213456781', 'RPPS check digit 1 does not match (expected 2)'],
    ['10 digits', '1012345678', 'RPPS must have 11 digits, got 10'],
    ['12 digits', '101234567810', 'RPPS must have 11 digits, got 12'],
    ['a letter', '1012345678A', 'RPPS must contain only digits'],
    ['an empty string', '', 'RPPS is empty'],
    ['a number', 10123456781, 'RPPS must be a string of 11 digits, got a number'],
  ])('refuses %s', (_case, raw, reason) => {
    expect(validateRpps(raw)).toEqual({ ok: false, reason });
  });
});

describe(rppsCheckDigit.name, () => {
  it('is the Luhn digit of the first 10 digits', () => {
    expect(rppsCheckDigit('1012345678')).toBe(1);
  });

  it('refuses anything but 10 digits', () => {
    expect(() => rppsCheckDigit('123')).toThrow(RangeError);
  });
});

describe(isRpps.name, () => {
  it('is true for a valid RPPS only', () => {
    expect(isRpps('10123456781')).toBe(true);
    expect(isRpps('10123456782')).toBe(false);
    expect(isRpps(' 10123456781')).toBe(false);
  });
});
