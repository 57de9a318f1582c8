import { centsToEuros, eurosToCents, validateEuros } from './money';

describe(validateEuros.name, () => {
  it.each([
    ['12.34', 1234],
    ['12,3', 1230],
    ['12', 1200],
    ['-0.5', -50],
    ['0.07', 7],
    [25.5, 2550],
  ])('reads %s as %d cents', (raw, cents) => {
    expect(validateEuros(raw)).toEqual({ ok: true, value: cents });
  });

  it.each([['1.234'], ['abc'], [''], ['1e3'], [null]])('refuses %s', (raw) => {
    expect(validateEuros(raw).ok).toBe(false);
  });

  it('eurosToCents throws for bad input', () => {
    expect(() => eurosToCents('12.345')).toThrow(RangeError);
  });
});

describe(centsToEuros.name, () => {
  it.each([
    [1234, '12.34'],
    [5, '0.05'],
    [-5, '-0.05'],
    [0, '0.00'],
  ])('writes %d cents as %s', (cents, text) => {
    expect(centsToEuros(cents)).toBe(text);
  });

  it('round-trips with eurosToCents', () => {
    for (const cents of [0, 1, 99, 100, 123456789, -4200]) expect(eurosToCents(centsToEuros(cents))).toBe(cents);
  });

  it('refuses fractional cents', () => {
    expect(() => centsToEuros(1.5)).toThrow(RangeError);
  });
});
