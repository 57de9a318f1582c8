import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { isValidFast } from '@dmp/contracts';

/**
 * A shortcut through the validation pipe for well-formed query strings and flat JSON bodies.
 *
 * Nest's ValidationPipe runs class-transformer's plainToInstance and then class-validator's
 * validate on every DTO. Both walk their metadata generically on every request: about 50 µs
 * for the seven optional fields of the reimbursement history's query, a quarter of the
 * service's CPU for a trivial authenticated GET. For a DTO whose decorators use none of the
 * features that make the transformation depend on more than the value itself, this does the
 * same work with plans built once per class:
 *
 * - the instance: `new Dto()` holding the request's keys in their order, each value as it came,
 *   or converted with Number/String/Boolean where the property has `@Type(() => Number)` (what
 *   class-transformer's plainToInstance gives for such a class);
 * - the verdict: @dmp/contracts' compiled validator (isValidFast), built from class-validator's
 *   own metadata and held to class-validator by that library's differential spec, plus the
 *   whitelist (a key without rules is refused by forbidNonWhitelisted).
 *
 * The shortcut only ever says "valid, here is the instance" or "not sure": every request it
 * does not accept (an unknown key, a wrong value, a nested object, a repeated query key) goes
 * through the full pipe, which produces the errors. So error bodies are unchanged by
 * construction, and a request the shortcut accepts is one class-validator accepts
 * (test/validation-pipe-fast-path.spec.ts compares both on thousands of generated requests).
 *
 * Not modelled, so left to the full pipe: @ValidateNested (the contracts' validator only knows
 * nested types registered by @dmp/contracts), promise validation, groups and `always`,
 * @Expose/@Exclude/@Transform, @Type other than to Number/String/Boolean or with a
 * discriminator or reading its arguments, field initialisers, methods or accessors.
 */
export interface DtoPlan {
  /** The properties with rules, and the conversion their @Type asks for (undefined: none). */
  readonly properties: ReadonlyMap<string, Conversion | undefined>;
}

type Conversion = typeof Number | typeof String | typeof Boolean;
type AnyClass = new () => object;

/** The parts of class-transformer's metadata storage read here (class-transformer/cjs/storage). */
interface TransformerMetadataStorage {
  getStrategy(target: AnyClass): 'excludeAll' | 'exposeAll' | 'none';
  getExposedMetadatas(target: AnyClass): unknown[];
  getExcludedMetadatas(target: AnyClass): unknown[];
  findTransformMetadatas(target: AnyClass, propertyName: string, transformationType: number): unknown[];
  findTypeMetadata(
    target: AnyClass,
    propertyName: string,
  ): { typeFunction?: (...args: unknown[]) => unknown; reflectedType?: unknown; options?: { discriminator?: unknown } } | undefined;
}

interface ValidatorMetadataStorage {
  getTargetValidationMetadatas(
    target: AnyClass,
    schema: string | undefined,
    always: boolean,
    strictGroups: boolean,
    groups?: string[],
  ): { type: string; propertyName: string }[];
}

// class-transformer keeps its decorators' metadata in this module; it exports no accessor for
// it (@nestjs/mapped-types reads it the same way).
const transformerStorage = (require('class-transformer/cjs/storage') as { defaultMetadataStorage: TransformerMetadataStorage }).defaultMetadataStorage;
/** class-transformer's TransformationType.PLAIN_TO_CLASS. */
const PLAIN_TO_CLASS = 0;

/** Keys that Nest's pipe strips and class-transformer skips: the full pipe deals with them. */
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

function hasOnlyConstructor(cls: AnyClass): boolean {
  // Methods and accessors: class-transformer skips a key that names one, and class-validator
  // would see them on the instance where the request has no key.
  for (let p: object | null = cls.prototype as object; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    if (Object.getOwnPropertyNames(p).some((key) => key !== 'constructor')) return false;
  }
  // Field initialisers: the instance would hold values the request lacks.
  return Object.keys(new cls()).length === 0;
}

function conversionOf(cls: AnyClass, property: string): Conversion | undefined | 'unsupported' {
  if (transformerStorage.findTransformMetadatas(cls, property, PLAIN_TO_CLASS).length > 0) return 'unsupported';
  const type = transformerStorage.findTypeMetadata(cls, property);
  if (!type) return undefined;
  // A type function that reads its options could answer differently per request.
  if (type.options?.discriminator || typeof type.typeFunction !== 'function' || type.typeFunction.length > 0 || type.reflectedType === Map) return 'unsupported';
  const target = type.typeFunction();
  if (target === Number) return Number;
  if (target === String) return String;
  return target === Boolean ? Boolean : 'unsupported';
}

/** The plan of a DTO class, or null when the full pipe must always run. */
export function compileDtoPlan(cls: AnyClass): DtoPlan | null {
  if (!hasOnlyConstructor(cls)) return null;
  const storage = getMetadataStorage() as unknown as ValidatorMetadataStorage;
  // The lookup class-validator's executor makes with the pipe's options (no groups).
  const metadatas = storage.getTargetValidationMetadatas(cls, undefined, false, false, undefined);
  // No rules at all: forbidUnknownValues makes it an error, which the full pipe reports.
  if (metadatas.length === 0) return null;
  if (metadatas.some((m) => m.type === ValidationTypes.NESTED_VALIDATION || m.type === ValidationTypes.PROMISE_VALIDATION)) return null;
  const strategy = transformerStorage.getStrategy(cls);
  if (strategy !== 'none' || transformerStorage.getExposedMetadatas(cls).length > 0 || transformerStorage.getExcludedMetadatas(cls).length > 0) return null;
  const properties = new Map<string, Conversion | undefined>();
  for (const { propertyName } of metadatas) {
    if (properties.has(propertyName)) continue;
    // A property named like one of Object.prototype's (toString) is skipped by class-transformer.
    if (PROTO_KEYS.includes(propertyName) || propertyName in Object.prototype) return null;
    const conversion = conversionOf(cls, propertyName);
    if (conversion === 'unsupported') return null;
    properties.set(propertyName, conversion);
  }
  return { properties };
}

function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' || value === null;
}

/**
 * The DTO instance the full pipe would return for `value`, when the plan can vouch for it;
 * undefined when the full pipe must decide (and then report the errors, if any). Never
 * changes `value`.
 */
export function fastTransform(cls: AnyClass, plan: DtoPlan, value: unknown): object | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const plain = value as Record<string, unknown>;
  if (Object.hasOwn(plain, '__proto__') || Object.hasOwn(plain, 'constructor') || Object.hasOwn(plain, 'prototype')) return undefined;
  const entity = new cls() as Record<string, unknown>;
  for (const key of Object.keys(plain)) {
    const conversion = plan.properties.get(key);
    // Not a property with rules: forbidNonWhitelisted refuses it (or it is not one at all).
    if (conversion === undefined && !plan.properties.has(key)) return undefined;
    const raw = plain[key];
    if (Array.isArray(raw)) {
      // class-transformer copies an array of primitives element by element; a converted
      // array (@Type on an array) or an array of objects is the full pipe's.
      if (conversion !== undefined) return undefined;
      for (let i = 0; i < raw.length; i++) if (!(i in raw) || !isPrimitive(raw[i])) return undefined;
      entity[key] = raw.slice();
    } else if (isPrimitive(raw)) {
      entity[key] = conversion === undefined || raw === null ? raw : conversion(raw);
    } else return undefined;
  }
  return isValidFast(entity) === true ? entity : undefined;
}
