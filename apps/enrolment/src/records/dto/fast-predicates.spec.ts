import { isEmail, isISO8601, isNotEmpty, isString, maxLength } from 'class-validator';
import { seededRandom } from '@dmp/domain';
import { isEmailUpTo, isStrictIsoInstant, isTextUpTo } from './fast-predicates';

const random = seededRandom(7);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
/** Strings near the edges of the fast shapes: every character class, doubled separators, lengths around the limits. */
function noisy(parts: readonly string[], count: number): string {
  let s = '';
  for (let i = 0; i < count; i++) s += pick(parts);
  return s;
}

const emailParts = ['a', 'Z', '9', '.', '..', '-', '_', '+', '@', '@@', 'é', ' ', '"', 'x'.repeat(30), 'example', '.fr', '.c', '.123', 'xn--', '\u00a0', '(', ','];
const instantParts = ['2026', '-', '02', '29', '30', '31', '13', '00', 'T', ' ', ':', '23', '24', '59', '60', '.', '123', 'Z', 'z', '+', '01:00', '-05:30', '1900', '2000', '0999'];

describe('fast predicates', () => {
  it.each([
    ['jeanne@example.fr', true],
    ['jeanne.martin+dmp@mail.example.co.uk', true],
    ['a@b', false],
    ['a..b@example.fr', false],
    ['.a@example.fr', false],
    ['a@-example.fr', false],
    ['a@example.f', false],
    ['a@example.123', false],
    [`${'x'.repeat(65)}@example.fr`, false],
    ['ami@exämple.fr', true],
    ['"quoted"@example.fr', true],
  ])('answers %s as isEmail does (%s)', (value, expected) => {
    expect(isEmailUpTo(value, 254)).toBe(expected);
    expect(isEmailUpTo(value, 254)).toBe(isEmail(value) && maxLength(value, 254));
  });

  it('agrees with isEmail and maxLength on 20,000 generated strings', () => {
    for (let i = 0; i < 20_000; i++) {
      const value = `${noisy(emailParts, 1 + Math.floor(random() * 4))}@${noisy(emailParts, 1 + Math.floor(random() * 5))}`;
      const max = pick([20, 254]);
      expect({ value, max, fast: isEmailUpTo(value, max) }).toEqual({ value, max, fast: isEmail(value) && maxLength(value, max) });
    }
  });

  it.each([
    ['2026-11-23T10:15:00Z', true],
    ['2026-11-23T10:15:00.123456Z', true],
    ['2024-02-29T00:00:00+01:00', true],
    ['2026-02-29T00:00:00Z', false],
    ['2026-02-30T00:00:00Z', false],
    ['1900-02-29T00:00:00Z', false],
    ['2000-02-29T00:00:00Z', true],
    ['2026-11-23', true],
    ['2026-11-23T24:00:00Z', false],
    ['2026-13-01T00:00:00Z', false],
    ['yesterday', false],
  ])('answers %s as isISO8601 strict does (%s)', (value, expected) => {
    expect(isStrictIsoInstant(value)).toBe(expected);
    expect(isStrictIsoInstant(value)).toBe(isISO8601(value, { strict: true }));
  });

  it('agrees with isISO8601 strict on 20,000 generated strings', () => {
    for (let i = 0; i < 20_000; i++) {
      const value = random() < 0.5 ? noisy(instantParts, 3 + Math.floor(random() * 10)) : new Date(Math.floor(random() * 8e12) - 2e12).toISOString().replace('.000', pick(['', '.000', '.5'])).replace('Z', pick(['Z', '+02:00', '-11:30', 'z']));
      expect({ value, fast: isStrictIsoInstant(value) }).toEqual({ value, fast: isISO8601(value, { strict: true }) });
    }
  });

  it('answers as isString, isNotEmpty and maxLength do, astral characters included', () => {
    for (const value of [undefined, null, 3, '', ' ', 'abc', 'x'.repeat(10), 'x'.repeat(11), '😀'.repeat(10), '😀'.repeat(11)]) {
      expect(isTextUpTo(value, 10)).toBe(isString(value) && isNotEmpty(value) && maxLength(value, 10));
    }
  });
});
