/** What an element of an array parameter may be. */
export type ArrayLiteralElement = string | number | boolean | Date | null | undefined;

const NEEDS_ESCAPE = /["\\]/;

/**
 * The PostgreSQL array literal (`{"a","b",NULL}`) of `valueOf` over `items`, built in one pass,
 * to send as one text parameter that the statement casts (`$1::text[]`, `$2::int[]`,
 * `$3::timestamptz[]`...). node-postgres builds the same text for a JS array through a generic
 * path: per element a type dispatch, two regular-expression replaces and, for a Date, a
 * local-time rendering. For batch statements of thousands of elements that was several
 * microseconds per row of a service's only thread. Text and numbers are written as node-postgres
 * writes them; booleans as t/f; instants as ISO-8601 UTC (PostgreSQL reads both exactly);
 * null and undefined as NULL.
 */
export function arrayLiteralOf<T>(items: readonly T[], valueOf: (item: T) => ArrayLiteralElement): string {
  let literal = '{';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) literal += ',';
    const value = valueOf(items[i]);
    if (value === null || value === undefined) literal += 'NULL';
    else if (typeof value === 'boolean') literal += value ? 't' : 'f';
    else {
      const text = typeof value === 'string' ? value : typeof value === 'number' ? value.toString() : value.toISOString();
      literal += NEEDS_ESCAPE.test(text) ? `"${text.replace(/[\\"]/g, '\\$&')}"` : `"${text}"`;
    }
  }
  return `${literal}}`;
}

/** `arrayLiteralOf` over the values themselves. */
export function arrayLiteral(values: readonly ArrayLiteralElement[]): string {
  return arrayLiteralOf(values, (value) => value);
}
