import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { PayloadClass } from './event-definition';
import { hydrate, isContractClass, isValidFast } from './fast-validation';

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
  const instance = fast ? hydrate(cls, plain as Record<string, unknown>) : plainToInstance(cls, plain);
  // Most messages are valid: the fast check answers those; class-validator explains the others.
  if (fast && isValidFast(instance) === true) return { ok: true, value: instance };
  const errors = flattenValidationErrors(validateSync(instance, { forbidUnknownValues: false }), prefix);
  if (errors.length > 0) return { ok: false, reason: describeFieldErrors(errors), errors };
  return { ok: true, value: instance };
}
