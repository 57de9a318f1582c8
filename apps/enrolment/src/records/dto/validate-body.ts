import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '@dmp/platform';
import { FieldError } from '../record.exception';

/**
 * The same class-validator pass (same options, same error paths) as the platform's global
 * ValidationPipe, for input that does not come through a controller (bulk rows).
 */
export function validateBody<T extends object>(
  cls: ClassConstructor<T>,
  raw: unknown,
): { ok: true; value: T } | { ok: false; errors: FieldError[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: [{ field: '(row)', reason: 'must be a JSON object' }] };
  }
  const instance = plainToInstance(cls, raw);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  return errors.length > 0 ? { ok: false, errors: flattenValidationErrors(errors) } : { ok: true, value: instance };
}
