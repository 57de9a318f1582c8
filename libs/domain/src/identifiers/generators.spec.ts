import { validateCpamCode } from './cpam-code';
import { validateFiness } from './finess';
import { generateCpamCode, generateFiness, generateIns, generateRpps, randomInt, seededRandom } from './generators';
import { validateIns } from './ins';
import { validateRpps } from './rpps';

describe(seededRandom.name, () => {
  it('repeats the same sequence for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);

    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
  });

  it('gives another sequence for another seed', () => {
    expect(seededRandom(1)()).not.toBe(seededRandom(2)());
  });

  it('stays in [0, 1) and spreads over the interval', () => {
    const sut = seededRandom(7);
    const values = Array.from({ length: 10_000 }, sut);

    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });

  it('randomInt covers both bounds', () => {
    const random = seededRandom(3);
    const seen = new Set(Array.from({ length: 1000 }, () => randomInt(random, 1, 3)));

    expect([...seen].sort()).toEqual([1, 2, 3]);
  });
});

describe('identifier generators', () => {
  const random = seededRandom(2019);
  const count = 5000;

  it('generateIns produces valid INS, Corsican ones included', () => {
    const generated = Array.from({ length: count }, () => generateIns(random));

    expect(generated.filter((ins) => !validateIns(ins).ok)).toEqual([]);
    expect(generated.some((ins) => ins.slice(5, 7) === '2A')).toBe(true);
    expect(generated.some((ins) => ins.slice(5, 7) === '2B')).toBe(true);
    expect(new Set(generated).size).toBeGreaterThan(count * 0.99);
  });

  it('generateIns honours its options', () => {
    const sut = generateIns(random, { sex: 2, birthYear: 5, birthMonth: 7, department: '2B' });

    expect(sut).toMatch(/^205072B[0-9]{8}$/);
    expect(validateIns(sut).ok).toBe(true);
  });

  it('generateRpps produces valid RPPS numbers', () => {
    const generated = Array.from({ length: count }, () => generateRpps(random));

    expect(generated.filter((rpps) => !validateRpps(rpps).ok)).toEqual([]);
  });

  it('generateFiness produces valid FINESS numbers, in a given department when asked', () => {
    const generated = Array.from({ length: count }, () => generateFiness(random));

    expect(generated.filter((finess) => !validateFiness(finess).ok)).toEqual([]);
    expect(generateFiness(random, '75')).toMatch(/^75[0-9]{7}$/);
    expect(() => generateFiness(random, '2A')).toThrow(RangeError);
  });

  it('generateCpamCode produces valid office codes', () => {
    const generated = Array.from({ length: 1000 }, () => generateCpamCode(random));

    expect(generated.filter((code) => !validateCpamCode(code).ok)).toEqual([]);
  });
});
