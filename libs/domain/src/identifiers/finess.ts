import { Validation, describeValue, invalid, valid } from '../validation';
import { Brand } from './brand';
import { luhnCheckDigit } from './luhn';

/**
 * FINESS number of an establishment or a pharmacy: 9 characters, the department first (2A/2B
 * for Corsica), then 6 digits, then a check digit.
 */
export type Finess = Brand<string, 'Finess'>;

const FINESS_SHAPE = /^(?:[0-9]{2}|2A|2B)[0-9]{7}$/;

/**
 * The check digit is the Luhn digit of the first 8 digits. Checked against published FINESS
 * numbers (AP-HP 750712184, AP-HM 130786049, HCL 690781810, CHU Toulouse 310781406, CHU Bordeaux
 * 330781196, CHRU Lille 590780193, HEGP 750803447, HU Strasbourg 670780055, CHU Nice 060785011).
 * For Corsica (2A/2B) we could not verify how the letter counts, so those are checked for
 * format only.
 */
export function finessCheckDigit(first8: string): number {
  if (!/^[0-9]{8}$/.test(first8)) throw new RangeError(`finessCheckDigit expects 8 digits, got ${describeValue(first8)}`);
  return luhnCheckDigit(first8);
}

export function validateFiness(raw: unknown): Validation<Finess> {
  if (typeof raw !== 'string') return invalid(`FINESS must be a string of 9 characters, got ${describeValue(raw)}`);
  const finess = raw.trim().toUpperCase();
  if (finess.length === 0) return invalid('FINESS is empty');
  if (finess.length !== 9) return invalid(`FINESS must have 9 characters, got ${finess.length}`);
  if (!FINESS_SHAPE.test(finess)) return invalid('FINESS must contain only digits, except 2A or 2B at positions 1-2 for Corsica');
  if (finess.startsWith('00')) return invalid('FINESS positions 1-2 (department) cannot be 00');
  if (finess.startsWith('2A') || finess.startsWith('2B')) return valid(finess as Finess);
  const expected = finessCheckDigit(finess.slice(0, 8));
  if (Number(finess[8]) !== expected) return invalid(`FINESS check digit ${finess[8]} does not match (expected ${expected})`);
  return valid(finess as Finess);
}

/** True only for the canonical form (no spaces, upper case), as stored and sent in events. */
export function isFiness(raw: unknown): raw is Finess {
  if (typeof raw !== 'string') return false;
  const result = validateFiness(raw);
  return result.ok && result.value === raw;
}

export function toFiness(raw: string): Finess {
  const result = validateFiness(raw);
  if (!result.ok) throw new RangeError(result.reason);
  return result.value;
}
