const NEEDS_ESCAPE = /["\\]/;

/**
 * The text node-postgres sends for a parameter that is a JS array of strings and numbers (the
 * array literal `{"a","b",NULL}`), built in one pass over the rows: node-postgres runs two regex
 * replaces per element, and the batch statements' arrays (thousands of elements a batch) made
 * its serialisation a few microseconds per event. The text is the same, so PostgreSQL casts it
 * (`$1::text[]`, `$2::int[]`...) exactly as it did the array.
 */
export function pgArray<T>(items: readonly T[], valueOf: (item: T) => string | number | null | undefined): string {
  let literal = '{';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) literal += ',';
    const value = valueOf(items[i]);
    if (value === null || value === undefined) {
      literal += 'NULL';
      continue;
    }
    const text = typeof value === 'string' ? value : value.toString();
    literal += `"${NEEDS_ESCAPE.test(text) ? text.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : text}"`;
  }
  return `${literal}}`;
}
