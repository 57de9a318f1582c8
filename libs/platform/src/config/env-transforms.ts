import { Transform } from 'class-transformer';

// Environment values are strings; these decorators turn them into typed values while keeping
// anything unparseable as the raw string, so the validator reports the variable and its value
// instead of a silently coerced NaN or false.

/** `"3001"` -> 3001; anything else stays a string (and fails @IsInt). */
export const EnvNumber = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    const trimmed = value.trim();
    return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : value;
  });

/** true/false/1/0/yes/no (any case) -> boolean; anything else stays a string (and fails @IsBoolean). */
export const EnvBoolean = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    const normalized = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
    if (['false', '0', 'no', 'off'].includes(normalized)) return false;
    return value;
  });

/** `"a:1, b:2"` -> ['a:1', 'b:2']. */
export const EnvList = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item.length > 0)
      : value,
  );
