import { Validation, describeValue, invalid, valid } from '../validation';
import { Brand } from './brand';

/** A CPAM (local insurer office) code: 3 digits, e.g. 751 for Paris. */
export type CpamCode = Brand<string, 'CpamCode'>;

export function validateCpamCode(raw: unknown): Validation<CpamCode> {
  if (typeof raw !== 'string') return invalid(`CPAM code must be a string of 3 digits, got ${describeValue(raw)}`);
  const code = raw.trim();
  if (code.length === 0) return invalid('CPAM code is empty');
  if (!/^[0-9]+$/.test(code)) return invalid('CPAM code must contain only digits');
  if (code.length !== 3) return invalid(`CPAM code must have 3 digits, got ${code.length}`);
  if (code === '000') return invalid('CPAM code 000 does not exist');
  return valid(code as CpamCode);
}

/** True only for the canonical form (no spaces, upper case), as stored and sent in events. */
export function isCpamCode(raw: unknown): raw is CpamCode {
  if (typeof raw !== 'string') return false;
  const result = validateCpamCode(raw);
  return result.ok && result.value === raw;
}

export function toCpamCode(raw: string): CpamCode {
  const result = validateCpamCode(raw);
  if (!result.ok) throw new RangeError(result.reason);
  return result.value;
}
