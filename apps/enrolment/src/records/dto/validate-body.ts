import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { FieldError } from '../record.exception';

/** Flattens class-validator errors to `{ field: 'consent.at', reason }`, one per failed constraint. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const reason of Object.values(error.constraints ?? {})) out.push({ field, reason });
    if (error.children?.length) out.push(...toFieldErrors(error.children, field));
  }
  return out;
}

/**
 * The same class-validator pass the HTTP ValidationPipe runs, for input that does not come
 * through a controller (bulk rows).
 */
export function validateBody<T extends object>(
  cls: ClassConstructor<T>,
  raw: unknown,
): { ok: true; value: T } | { ok: false; errors: FieldError[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: [{ field: '(row)', reason: 'must be a JSON object' }] };
  }
  const instance = plainToInstance(cls, raw);
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true });
  return errors.length > 0 ? { ok: false, errors: toFieldErrors(errors) } : { ok: true, value: instance };
}
