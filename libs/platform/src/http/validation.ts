import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import type { ErrorBody } from './error-body';
import type { FieldError } from './domain.exception';

/** Flattens class-validator's tree into `{ field: 'items[0].code', reason }` entries. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const result: FieldError[] = [];
  for (const error of errors) {
    const field = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    for (const reason of Object.values(error.constraints ?? {})) result.push({ field, reason });
    if (error.children?.length) result.push(...flattenValidationErrors(error.children, field));
  }
  return result;
}

/** The VALIDATION_FAILED exception the global pipe throws. */
export function validationException(errors: ValidationError[]): BadRequestException {
  const fields = flattenValidationErrors(errors);
  const body: ErrorBody = {
    statusCode: 400,
    code: 'VALIDATION_FAILED',
    message: `Invalid request: ${fields.map((f) => `${f.field}: ${f.reason}`).join('; ')}`,
    errors: fields,
  };
  return new BadRequestException(body);
}

const primitives = new Set<unknown>([String, Boolean, Number, Array, Object, Buffer]);

/** Refuses a body that is not a JSON object (an array, a string) for a DTO, in one clear line. */
class PlatformValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isDto = typeof metadata.metatype === 'function' && !primitives.has(metadata.metatype);
    if (metadata.type === 'body' && isDto && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      const body: ErrorBody = {
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: 'Invalid request: the body must be a JSON object',
        errors: [{ field: 'body', reason: `must be a JSON object, not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` }],
      };
      throw new BadRequestException(body);
    }
    return super.transform(value, metadata);
  }
}

/**
 * Validates and converts every DTO: unknown properties are refused (a typo in a field name is a
 * 400 naming it, not a silently ignored value), primitives in params and query are converted.
 */
export function createValidationPipe(): ValidationPipe {
  return new PlatformValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: validationException,
  });
}
