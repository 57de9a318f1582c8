import { Validation, describeValue, invalid, valid } from '../validation';

/**
 * An amount in euro cents, an integer: amounts are never floats, so sums over billions of
 * reimbursement lines stay exact (up to 2^53 cents, about 90 trillion euros).
 */
export type Cents = number;

/** Parses '12.34', '12,34', '12', '-3.5' or a number of euros into cents; at most two decimals. */
export function validateEuros(raw: unknown): Validation<Cents> {
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string') return invalid(`amount must be a number of euros, got ${describeValue(raw)}`);
  const match = /^(-?)([0-9]+)(?:[.,]([0-9]{1,2}))?$/.exec(text.trim());
  if (!match) return invalid(`amount must be euros with at most two decimals, got ${describeValue(raw)}`);
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(cents)) return invalid(`amount ${text} is too large`);
  return valid(match[1] === '-' ? -cents : cents);
}

export function eurosToCents(raw: string | number): Cents {
  const result = validateEuros(raw);
  if (!result.ok) throw new RangeError(result.reason);
  return result.value;
}

/** '12.34' (no currency sign, dot decimal): for CSV exports and JSON. */
export function centsToEuros(cents: Cents): string {
  if (!Number.isInteger(cents)) throw new RangeError(`cents must be an integer, got ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function isCents(raw: unknown): raw is Cents {
  return typeof raw === 'number' && Number.isSafeInteger(raw);
}
