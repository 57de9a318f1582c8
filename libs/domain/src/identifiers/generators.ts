import { CpamCode } from './cpam-code';
import { Finess, finessCheckDigit } from './finess';
import { Ins, insKey } from './ins';
import { Rpps, rppsCheckDigit } from './rpps';

/** A source of numbers in [0, 1), like Math.random; seeded ones make tests and simulations repeatable. */
export type RandomSource = () => number;

/** mulberry32: a tiny, fast, seedable generator (good enough for test data, not for secrets). */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export function randomInt(random: RandomSource, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function digits(random: RandomSource, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(randomInt(random, 0, 9));
  return out;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export interface GenerateInsOptions {
  sex?: 1 | 2;
  /** Two-digit year of birth (0-99). */
  birthYear?: number;
  /** 1-12. */
  birthMonth?: number;
  /** Force a Corsican department ('2A' or '2B'); otherwise about 1 in 50 is Corsican. */
  department?: string;
}

/** A valid INS (key computed, Corsica rule included). */
export function generateIns(random: RandomSource, options: GenerateInsOptions = {}): Ins {
  const sex = options.sex ?? (random() < 0.5 ? 1 : 2);
  const year = options.birthYear ?? randomInt(random, 0, 99);
  const month = options.birthMonth ?? randomInt(random, 1, 12);
  let department = options.department;
  if (department === undefined) {
    const roll = random();
    if (roll < 0.01) department = '2A';
    else if (roll < 0.02) department = '2B';
    else {
      // 01-95 without 20 (Corsica is 2A/2B since 1976).
      let n = randomInt(random, 1, 94);
      if (n >= 20) n += 1;
      department = pad(n, 2);
    }
  }
  const commune = pad(randomInt(random, 1, 999), 3);
  const order = pad(randomInt(random, 1, 999), 3);
  const nir = `${sex}${pad(year, 2)}${pad(month, 2)}${department}${commune}${order}`;
  return `${nir}${insKey(nir)}` as Ins;
}

/** A valid RPPS number: 11 digits starting with 10 (as issued today), Luhn check digit last. */
export function generateRpps(random: RandomSource): Rpps {
  const first10 = `10${digits(random, 8)}`;
  return `${first10}${rppsCheckDigit(first10)}` as Rpps;
}

/** A valid FINESS number of a metropolitan department (digits only), Luhn check digit last. */
export function generateFiness(random: RandomSource, department?: string): Finess {
  let dept = department;
  if (dept === undefined) {
    let n = randomInt(random, 1, 94);
    if (n >= 20) n += 1;
    dept = pad(n, 2);
  }
  if (!/^[0-9]{2}$/.test(dept) || dept === '00') throw new RangeError(`generateFiness needs a 2-digit department, got ${dept}`);
  const first8 = `${dept}${digits(random, 6)}`;
  return `${first8}${finessCheckDigit(first8)}` as Finess;
}

/** A CPAM office code (3 digits, 001-999). */
export function generateCpamCode(random: RandomSource): CpamCode {
  return pad(randomInt(random, 1, 999), 3) as CpamCode;
}
