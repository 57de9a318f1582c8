import { isEmail, isISO8601, maxLength } from 'class-validator';

/**
 * Cheap "certainly valid" forms of class-validator predicates the opening DTO uses. Each answers
 * exactly as class-validator does: it decides alone only the common, unambiguous shape (which
 * the library accepts too), and asks the library for anything else. validator's isEmail
 * (FQDN, byte lengths, UTF-8 local parts) and isISO8601 (a 200-character regex, then a Date)
 * cost more than the rest of an opening's checks together, on every request and campaign row.
 */

// A dot-atom local part (no leading, trailing or double dot) and a domain of LDH labels
// (1-63 characters, no hyphen at either end) under an alphabetic TLD: a subset of what
// isEmail({}) accepts (which also takes UTF-8, quoted local parts, punycode TLDs...).
const PLAIN_EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** isEmail(value) && maxLength(value, max) of class-validator, for max <= 254. */
export function isEmailUpTo(value: unknown, max: number): boolean {
  if (typeof value === 'string' && value.length <= max && value.length <= 254) {
    const at = value.lastIndexOf('@');
    if (at > 0 && at <= 64 && PLAIN_EMAIL.test(value)) return true;
  }
  return isEmail(value) && maxLength(value, max);
}

// YYYY-MM-DDTHH:mm:ss[.fraction](Z|±HH:mm): what toISOString() and most clients write.
const PLAIN_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** isISO8601(value, { strict: true }) of class-validator. */
export function isStrictIsoInstant(value: unknown): boolean {
  if (typeof value === 'string') {
    const m = PLAIN_INSTANT.exec(value);
    if (m) {
      const year = Number(m[1]);
      const month = Number(m[2]);
      const day = Number(m[3]);
      const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
      const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
      if (year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= days) return true;
    }
  }
  return isISO8601(value, { strict: true });
}

/** isString && isNotEmpty && maxLength of class-validator (a string no longer than max UTF-16 units is within max characters). */
export function isTextUpTo(value: unknown, max: number): boolean {
  return typeof value === 'string' && value !== '' && (value.length <= max || maxLength(value, max));
}
