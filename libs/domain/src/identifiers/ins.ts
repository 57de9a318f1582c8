import { Validation, describeValue, invalid, valid } from '../validation';
import { Brand } from './brand';

/**
 * Identifiant National de Santé: the person's NIR (13 characters) followed by its 2-digit key.
 * Positions (1-based): 1 sex, 2-3 year of birth, 4-5 month, 6-7 department (2A/2B for Corsica),
 * 8-10 commune (or country for people born abroad), 11-13 order number, 14-15 key.
 */
export type Ins = Brand<string, 'Ins'>;

const INS_SHAPE = /^[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{8}$/;

/**
 * First digit of a NIR: 1 and 2 (men, women); 3 and 4 (people born abroad registered
 * provisionally); 7 and 8 (temporary numbers, NIA). Anything else is not a NIR.
 */
const SEX_DIGITS = new Set(['1', '2', '3', '4', '7', '8']);

/** Months INSEE uses: 01-12, 20 (unknown), 30-42 and 50-99 (incomplete civil status). */
function isPlausibleMonth(month: number): boolean {
  return (month >= 1 && month <= 12) || month === 20 || (month >= 30 && month <= 42) || month >= 50;
}

/**
 * The NIR as the number its key is computed on. Corsica's 2A and 2B count as 19 and 18
 * (the official rule: replace the letter by 0 and subtract 1,000,000 or 2,000,000).
 */
function nirNumber(nir13: string): number {
  const department = nir13.slice(5, 7);
  const digits =
    department === '2A' ? `${nir13.slice(0, 5)}19${nir13.slice(7)}` : department === '2B' ? `${nir13.slice(0, 5)}18${nir13.slice(7)}` : nir13;
  // 13 digits stay below 2^53, so plain numbers are exact here.
  return Number(digits);
}

/** The 2-digit key of a 13-character NIR: 97 - (NIR mod 97), Corsica rule applied. */
export function insKey(nir13: string): string {
  if (!/^[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}$/.test(nir13)) {
    throw new RangeError(`insKey expects a 13-character NIR, got ${describeValue(nir13)}`);
  }
  const key = 97 - (nirNumber(nir13) % 97);
  return key.toString().padStart(2, '0');
}

/**
 * Validates an INS. Accepts surrounding spaces and spaces between groups ("1 84 12 75 108 123 45")
 * and lower-case 2a/2b, and returns the canonical 15-character form.
 */
export function validateIns(raw: unknown): Validation<Ins> {
  if (typeof raw !== 'string') return invalid(`INS must be a string of 15 characters, got ${describeValue(raw)}`);
  const ins = raw.replace(/\s+/g, '').toUpperCase();
  if (ins.length === 0) return invalid('INS is empty');
  if (ins.length !== 15) return invalid(`INS must have 15 characters (13 for the NIR and 2 for the key), got ${ins.length}`);
  if (!INS_SHAPE.test(ins)) {
    return invalid('INS must contain only digits, except 2A or 2B at positions 6-7 for people born in Corsica');
  }
  const sex = ins[0];
  if (!SEX_DIGITS.has(sex)) return invalid(`INS position 1 (sex) must be 1, 2, 3, 4, 7 or 8, got ${sex}`);
  const month = Number(ins.slice(3, 5));
  if (!isPlausibleMonth(month)) return invalid(`INS positions 4-5 (month of birth) must be 01-12, 20, 30-42 or 50-99, got ${ins.slice(3, 5)}`);
  if (ins.slice(5, 7) === '00') return invalid('INS positions 6-7 (department of birth) cannot be 00');
  if (ins.slice(7, 10) === '000') return invalid('INS positions 8-10 (commune of birth) cannot be 000');
  if (ins.slice(10, 13) === '000') return invalid('INS positions 11-13 (birth order number) cannot be 000');
  const key = ins.slice(13);
  const expected = insKey(ins.slice(0, 13));
  if (key !== expected) return invalid(`INS key ${key} does not match the NIR (expected ${expected})`);
  return valid(ins as Ins);
}

/** The canonical form's shape: a sex digit of SEX_DIGITS, then INS_SHAPE's (digits, 2A/2B at 6-7). */
const CANONICAL_INS = /^[123478][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{8}$/;

/** The two digits at i and i + 1 as a number (the caller's pattern has checked they are digits). */
function twoDigits(text: string, i: number): number {
  return (text.charCodeAt(i) - 48) * 10 + text.charCodeAt(i + 1) - 48;
}

/**
 * True only for the canonical form (no spaces, upper case), as stored and sent in events: what
 * validateIns accepts unchanged, decided without its normalisation and string building (every
 * event carries an INS, and @dmp/contracts checks it with this). Same rules as validateIns; a
 * spec compares the two on generated INS and on every one-character change of them.
 */
export function isIns(raw: unknown): raw is Ins {
  if (typeof raw !== 'string' || !CANONICAL_INS.test(raw)) return false;
  if (!isPlausibleMonth(twoDigits(raw, 3))) return false;
  if (raw.startsWith('00', 5) || raw.startsWith('000', 7) || raw.startsWith('000', 10)) return false;
  const corsica = raw.charCodeAt(6);
  let remainder = 0;
  for (let i = 0; i < 13; i++) {
    // 2A counts as 19 and 2B as 18 (see nirNumber).
    const digit = i === 5 && corsica > 57 ? 1 : i === 6 && corsica > 57 ? (corsica === 65 ? 9 : 8) : raw.charCodeAt(i) - 48;
    remainder = (remainder * 10 + digit) % 97;
  }
  return twoDigits(raw, 13) === 97 - remainder;
}

/** Throws a RangeError with the reason; for trusted inputs (seeds, tests, configuration). */
export function toIns(raw: string): Ins {
  const result = validateIns(raw);
  if (!result.ok) throw new RangeError(result.reason);
  return result.value;
}
