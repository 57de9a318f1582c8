import { finessCheckDigit, isFiness, validateFiness } from './finess';

describe(validateFiness.name, () => {
  // Published FINESS numbers of large hospitals: they all carry a Luhn check digit.
  it.each([
    ['AP-HP', '750712184'],
    ['AP-HM', '130786049'],
    ['Hospices Civils de Lyon', '690781810'],
    ['CHU de Toulouse', '310781406'],
    ['CHU de Bordeaux', '330781196'],
    ['CHU de Nice', '060785011'],
  ])('accepts the FINESS of %s', (_name, finess) => {
    expect(validateFiness(finess)).toEqual({ ok: true, value: finess });
  });

  it('accepts a Corsican FINESS on its format only (the check rule for 2A/2B is not verified)', () => {
    expect(validateFiness('2A0000010')).toEqual({ ok: true, value: '2A0000010' });
    expect(validateFiness('2b0000019')).toEqual({ ok: true, value: '2B0000019' });
  });

  it.each([
    ['a wrong check digit', '750712185', 'FINESS check digit 5 does not match (expected 4)'],
    ['8 characters', '75071218', 'FINESS must have 9 characters, got 8'],
    ['10 characters', '7507121840', 'FINESS must have 9 characters, got 10'],
    ['a letter in the number', '75071A184', 'FINESS must contain only digits, except 2A or 2B at positions 1-2 for Corsica'],
    ['a department 2C', '2C0000010', 'FINESS must contain only digits, except 2A or 2B at positions 1-2 for Corsica'],
    ['a department 00', '000000000', 'FINESS positions 1-2 (department) cannot be 00'],
    ['an empty string', '   ', 'FINESS is empty'],
    ['an object', {}, 'FINESS must be a string of 9 characters, got a object'],
  ])('refuses %s', (_case, raw, reason) => {
    expect(validateFiness(raw)).toEqual({ ok: false, reason });
  });
});

describe(finessCheckDigit.name, () => {
  it('is the Luhn digit of the first 8 digits', () => {
    expect(finessCheckDigit('75071218')).toBe(4);
  });

  it('refuses Corsican or short input', () => {
    expect(() => finessCheckDigit('2A000001')).toThrow(RangeError);
  });
});

describe(isFiness.name, () => {
  it('is true for the canonical form only', () => {
    expect(isFiness('750712184')).toBe(true);
    expect(isFiness('2a0000010')).toBe(false);
  });
});
