import { Validation, describeValue, invalid, valid } from '../validation';
import { Brand } from './brand';
import { luhnCheckDigit } from './luhn';

/** Répertoire Partagé des Professionnels de Santé number: 11 digits, the last a Luhn check digit. */
export type Rpps = Brand<string, 'Rpps'>;

/** The Luhn check digit of the first 10 digits of an RPPS number. */
export function rppsCheckDigit(first10: string): number {
  if (!/^[0-9]{10}$/.test(first10)) throw new RangeError(`rppsCheckDigit expects 10 digits, got ${describeValue(first10)}`);
  return luhnCheckDigit(first10);
}

export function validateRpps(raw: unknown): Validation<Rpps> {
  if (typeof raw !== 'string') return invalid(`RPPS must be a string of 11 digits, got ${describeValue(raw)}`);
  const rpps = raw.trim();
  if (rpps.length === 0) return invalid('RPPS is empty');
  if (!/^[0-9]+$/.test(rpps)) return invalid('RPPS must contain only digits');
  if (rpps.length !== 11) return invalid(`RPPS must have 11 digits, got ${rpps.length}`);
  const expected = rppsCheckDigit(rpps.slice(0, 10));
  if (Number(rpps[10]) !== expected) return invalid(`RPPS check digit ${rpps[10]} does not match (expected ${expected})`);
  return valid(rpps as Rpps);
}

/** True only for the canonical form (no spaces, upper case), as stored and sent in events. */
export function isRpps(raw: unknown): raw is Rpps {
  if (typeof raw !== 'string') return false;
  const result = validateRpps(raw);
  return result.ok && result.value === raw;
}

export function toRpps(raw: string): Rpps {
  const result = validateRpps(raw);
  if (!result.ok) throw new RangeError(result.reason);
  return result.value;
}
