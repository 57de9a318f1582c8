import { IsObject, ValidateBy, ValidateNested, ValidationArguments, ValidationOptions } from 'class-validator';
import { Type } from 'class-transformer';
import { AnyClass, registerFastPredicate, registerNestedType } from '../envelope/fast-validation';
import { Validation, isIns, validateCpamCode, validateFiness, validateIns, validateIsoDate, validateRpps } from '@dmp/domain';

/**
 * Identifier validators. Events carry the canonical form only (no spaces, upper case), so a
 * value the domain would accept after normalising is still refused here, with a reason saying so.
 */
function canonical(validate: (raw: unknown) => Validation<string>, name: string, isCanonical?: (value: unknown) => boolean) {
  const check = (value: unknown): string | undefined => {
    const result = validate(value);
    if (!result.ok) return result.reason;
    if (result.value !== value) return `${name} must be written in its canonical form ${result.value}`;
    return undefined;
  };
  const decoratorName = `is${name.replace(/\s/g, '')}`;
  registerFastPredicate(decoratorName, isCanonical ?? ((value) => check(value) === undefined));
  return (validationOptions?: ValidationOptions): PropertyDecorator =>
    ValidateBy(
      {
        name: decoratorName,
        validator: {
          validate: (value: unknown) => check(value) === undefined,
          defaultMessage: (args?: ValidationArguments) => {
            const value: unknown = args?.value;
            const reason = Array.isArray(value) ? value.map(check).find((r) => r !== undefined) : check(value);
            return reason ?? `${args?.property ?? 'value'} must be a valid ${name}`;
          },
        },
      },
      validationOptions,
    );
}

/** The two digits at i and i + 1 as a number (the caller's pattern has checked they are digits). */
function twoDigits(text: string, i: number): number {
  return (text.charCodeAt(i) - 48) * 10 + text.charCodeAt(i + 1) - 48;
}

export const IsIns = canonical(validateIns, 'INS', isIns);
export const IsRpps = canonical(validateRpps, 'RPPS');
export const IsFiness = canonical(validateFiness, 'FINESS');
export const IsCpamCode = canonical(validateCpamCode, 'CPAM code');

const IS_ISO_DATE = 'isIsoDate';
registerFastPredicate(IS_ISO_DATE, (value) => validateIsoDate(value).ok);

export function IsIsoDate(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: IS_ISO_DATE,
      validator: {
        validate: (value: unknown) => validateIsoDate(value).ok,
        defaultMessage: (args?: ValidationArguments) => {
          const result = validateIsoDate(args?.value);
          return result.ok ? 'must be a date YYYY-MM-DD' : result.reason;
        },
      },
    },
    validationOptions,
  );
}

const INSTANT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})$/;

/**
 * An instant with its time zone, as the pattern writes it and as Date.parse (V8) accepts it: the
 * pattern, then the ranges Date.parse checks, read from the fixed positions instead of parsing
 * (Date.parse was most of the check's cost, and every event carries two or three instants).
 * Date.parse accepts month 01-12, day 01-31 in any month (Feb 30 rolls over), hour 00-23, or 24
 * with zero minutes, seconds and fraction, minute and second 00-59, an offset of 00-23 hours and
 * 00-59 minutes. A spec compares this with `INSTANT.test(v) && !isNaN(Date.parse(v))` on every
 * value of each field.
 */
export function isIsoDateTime(value: unknown): value is string {
  if (typeof value !== 'string' || !INSTANT.test(value)) return false;
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  const hour = twoDigits(value, 11);
  const minute = twoDigits(value, 14);
  const second = twoDigits(value, 17);
  if (month < 1 || month > 12 || day < 1 || day > 31 || minute > 59 || second > 59 || hour > 24) return false;
  const end = value.length;
  if (value.charCodeAt(end - 1) !== 90 /* Z */ && (twoDigits(value, end - 5) > 23 || twoDigits(value, end - 2) > 59)) return false;
  if (hour === 24) {
    if (minute !== 0 || second !== 0) return false;
    // The fraction, when there is one ('.' at 19), runs from position 20 to the zone.
    for (let i = 20; value.charCodeAt(19) === 46 && i < end; i++) {
      const c = value.charCodeAt(i);
      if (c < 48 || c > 57) break;
      if (c !== 48) return false;
    }
  }
  return true;
}

const IS_ISO_DATE_TIME = 'isIsoDateTime';
registerFastPredicate(IS_ISO_DATE_TIME, isIsoDateTime);

/** An instant with its time zone ('2019-12-12T09:30:00.000Z' or '...+01:00'). */
export function IsIsoDateTime(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: IS_ISO_DATE_TIME,
      validator: {
        validate: (value: unknown) => isIsoDateTime(value),
        defaultMessage: () => 'must be an ISO-8601 instant with a time zone, e.g. 2019-12-12T09:30:00.000Z',
      },
    },
    validationOptions,
  );
}

type ClassRef = () => new () => object;

/**
 * A required nested object: must be an object (class-validator's ValidateNested alone lets a
 * missing one through), is turned into its class and validated. Put @IsOptional() before it
 * for an optional one.
 */
export function NestedObject(cls: ClassRef): PropertyDecorator {
  return (target, property) => {
    IsObject({ message: `${String(property)} must be an object` })(target, property);
    ValidateNested()(target, property);
    Type(cls)(target, property);
    registerNestedType(target.constructor as AnyClass, String(property), cls);
  };
}

/** An array of nested objects, each one validated with its class. Combine with @IsArray(). */
export function NestedObjects(cls: ClassRef): PropertyDecorator {
  return (target, property) => {
    IsObject({ each: true, message: `each of ${String(property)} must be an object` })(target, property);
    ValidateNested({ each: true })(target, property);
    Type(cls)(target, property);
    registerNestedType(target.constructor as AnyClass, String(property), cls);
  };
}
