import { luhnCheckDigit } from './luhn';

describe(luhnCheckDigit.name, () => {
  it.each([
    ['7992739871', 3],
    ['9876234510', 0],
    ['246897531', 9],
    ['135798642', 9],
    ['0', 0],
  ])('computes the check digit of %s as %d', (payload, digit) => {
    expect(luhnCheckDigit(payload)).toBe(digit);
  });
});
