import { isCpamCode, validateCpamCode } from './cpam-code';

describe(validateCpamCode.name, () => {
  it.each(['751', '131', '011', '974'])('accepts %s', (code) => {
    expect(validateCpamCode(code)).toEqual({ ok: true, value: code });
  });

  it.each([
    ['2 digits', '75', 'CPAM code must have 3 digits, got 2'],
    ['4 digits', '7510', 'CPAM code must have 3 digits, got 4'],
    ['a letter', '75A', 'CPAM code must contain only digits'],
    ['000', '000', 'CPAM code 000 does not exist'],
    ['an empty string', '', 'CPAM code is empty'],
    ['a number', 751, 'CPAM code must be a string of 3 digits, got a number'],
  ])('refuses %s', (_case, raw, reason) => {
    expect(validateCpamCode(raw)).toEqual({ ok: false, reason });
  });

  it('isCpamCode refuses a padded code', () => {
    expect(isCpamCode(' 751')).toBe(false);
    expect(isCpamCode('751')).toBe(true);
  });
});
