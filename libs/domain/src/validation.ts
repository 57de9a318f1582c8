/** The outcome of checking untrusted input: the typed value, or a sentence saying what is wrong. */
export type Validation<T> = { ok: true; value: T } | { ok: false; reason: string };

export function valid<T>(value: T): Validation<T> {
  return { ok: true, value };
}

export function invalid<T>(reason: string): Validation<T> {
  return { ok: false, reason };
}

/** Describes a value for an error message without dumping large or nested inputs. */
export function describeValue(raw: unknown): string {
  if (raw === null) return 'null';
  if (raw === undefined) return 'undefined';
  if (typeof raw === 'string') return raw.length > 40 ? `a ${raw.length}-character string` : `"${raw}"`;
  if (Array.isArray(raw)) return 'an array';
  return `a ${typeof raw}`;
}
