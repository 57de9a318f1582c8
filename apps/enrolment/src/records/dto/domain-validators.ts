import { ValidationOptions, registerDecorator, ValidationArguments } from 'class-validator';
import { Validation, validateCpamCode, validateIns, validateIsoDate } from '@dmp/domain';

/**
 * class-validator decorators over the @dmp/domain validators, so that the reason the API gives
 * is the domain's sentence ("INS key 12 does not match the NIR (expected 34)").
 */
function fromDomain(name: string, check: (raw: unknown) => Validation<unknown>, options?: ValidationOptions) {
  return (object: object, propertyName: string): void => {
    // The last reason per (object, property): class-validator asks for the message after validate.
    const reasons = new WeakMap<object, string>();
    registerDecorator({
      name,
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const result = check(value);
          if (!result.ok) reasons.set(args.object, result.reason);
          return result.ok;
        },
        defaultMessage(args: ValidationArguments): string {
          return reasons.get(args.object) ?? `${args.property} is invalid`;
        },
      },
    });
  };
}

export const IsIns = (options?: ValidationOptions) => fromDomain('isIns', validateIns, options);
export const IsCpamCode = (options?: ValidationOptions) => fromDomain('isCpamCode', validateCpamCode, options);
export const IsIsoDate = (options?: ValidationOptions) => fromDomain('isIsoDate', validateIsoDate, options);

/** French mobile (06/07, +33 6/7) or any E.164 number; spaces, dots and dashes are ignored. */
export function normaliseMobile(raw: string): string | null {
  const compact = raw.replace(/[\s.-]/g, '');
  const french = /^(?:\+33|0033|0)([67][0-9]{8})$/.exec(compact);
  if (french) return `+33${french[1]}`;
  if (/^\+[1-9][0-9]{7,14}$/.test(compact)) return compact;
  return null;
}

export function validateMobile(raw: unknown): Validation<string> {
  if (typeof raw !== 'string') return { ok: false, reason: 'mobile must be a string' };
  const mobile = normaliseMobile(raw);
  return mobile
    ? { ok: true, value: mobile }
    : { ok: false, reason: 'mobile must be a French mobile number (06 or 07, or +33 6/7) or an international +number' };
}

export const IsMobile = (options?: ValidationOptions) => fromDomain('isMobile', validateMobile, options);
