import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { PayloadClass } from './event-definition';
import { hydrate, isContractClass, validatesFast } from './fast-validation';

export interface FieldError {
  /** Dotted path from the validated object: 'payload.documents.0.ins'. */
  field: string;
  reason: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; reason: string; errors: FieldError[] };

/** Flattens class-validator's tree into one entry per failing field, with its path. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) out.push({ field, reason: message });
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

export function describeFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.reason}`).join('; ');
}

/**
 * Turns a plain object into an instance of cls and validates it (synchronously: our validators
 * are all synchronous, and this runs once per consumed message). Unknown properties are kept
 * and ignored, so a producer on a newer schemaVersion does not break older consumers.
 */
export function validateAs<T extends object>(cls: PayloadClass<T>, plain: unknown, prefix = ''): Validated<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    const field = prefix || '(root)';
    const errors = [{ field, reason: `must be a JSON object, got ${plain === null ? 'null' : Array.isArray(plain) ? 'an array' : typeof plain}` }];
    return { ok: false, reason: describeFieldErrors(errors), errors };
  }
  const fast = isContractClass(cls);
  // Most messages are valid: the fast check answers those on the parsed JSON itself, before any
  // instance exists; class-validator explains the others.
  if (fast && validatesFast(cls, plain as Record<string, unknown>) === true) return { ok: true, value: hydrate(cls, plain as Record<string, unknown>) };
  const instance = fast ? hydrate(cls, plain as Record<string, unknown>) : plainToInstance(cls, plain);
  let found: ValidationError[];
  try {
    found = validateSync(instance, { forbidUnknownValues: false });
  } catch (error) {
    // Some validator.js checks throw on odd input (isEmail on a lone surrogate: "URI malformed").
    // The value is bad all the same: report it instead of failing the caller (a consumer's batch).
    const errors = [{ field: prefix || '(root)', reason: `could not be validated (${error instanceof Error ? error.message : String(error)})` }];
    return { ok: false, reason: describeFieldErrors(errors), errors };
  }
  const errors = flattenValidationErrors(found, prefix);
  if (errors.length > 0) return { ok: false, reason: describeFieldErrors(errors), errors };
  return { ok: true, value: instance };
}
