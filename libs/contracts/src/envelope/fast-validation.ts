import { ValidationTypes, getMetadataStorage } from 'class-validator';

/**
 * A fast path for validating the contracts' own classes, measured at several times the speed of
 * class-transformer + class-validator on the same payloads (consumers validate every message,
 * at tens of thousands per second).
 *
 * - hydrate() builds class instances from parsed JSON using the nested types that NestedObject
 *   and NestedObjects recorded, instead of class-transformer's generic (and slow) walk. It is
 *   used only for classes registered here, which use no other class-transformer feature.
 * - isValidFast() answers only "valid or not" by running the same class-validator constraints,
 *   read once per class from class-validator's metadata. When it says "not valid", class-validator
 *   itself runs to produce the error messages, so messages are class-validator's own. It returns
 *   undefined (= ask class-validator) for anything it does not model (groups, always, async).
 *   A differential test checks it agrees with class-validator on every payload and mutation.
 */

type Class = new () => object;
/** Any class (constructors as found on prototypes, decorator targets and metadata). */
export type AnyClass = abstract new (...args: never[]) => unknown;
type ClassRef = () => Class;

const nestedTypes = new Map<AnyClass, Map<string, ClassRef>>();
const contractClasses = new Set<AnyClass>();

/** Called by NestedObject / NestedObjects: `property` of `target` holds instances of `ref()`. */
export function registerNestedType(target: AnyClass, property: string, ref: ClassRef): void {
  let properties = nestedTypes.get(target);
  if (!properties) nestedTypes.set(target, (properties = new Map()));
  properties.set(property, ref);
}

/** Marks a class (and, through its nested types, the classes it holds) as eligible for the fast path. */
export function registerContractClass(cls: AnyClass): void {
  contractClasses.add(cls);
}

export function isContractClass(cls: AnyClass): boolean {
  return contractClasses.has(cls);
}

const nestedCache = new Map<AnyClass, Map<string, ClassRef>>();

/** Nested types of a class and its ancestors (subclass declarations win). */
function nestedTypesOf(cls: AnyClass): Map<string, ClassRef> {
  let merged = nestedCache.get(cls);
  if (merged) return merged;
  merged = new Map();
  const chain: AnyClass[] = [];
  for (let c: AnyClass | null = cls; c && c !== (Function.prototype as unknown) && c !== Object; c = Object.getPrototypeOf(c) as AnyClass | null) chain.unshift(c);
  for (const c of chain) for (const [property, ref] of nestedTypes.get(c) ?? []) merged.set(property, ref);
  nestedCache.set(cls, merged);
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Arrays are copied as class-transformer copies them (forEach and push: holes are dropped).
function hydrateValue(cls: Class | undefined, value: unknown): unknown {
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    value.forEach((element) => copy.push(hydrateValue(cls, element)));
    return copy;
  }
  if (cls && isPlainObject(value)) return hydrate(cls, value);
  return value;
}

// Keys that would change an instance's prototype or hide its constructor (which class-validator
// uses to find the rules) are never copied from untrusted JSON.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** An instance of cls holding plain's properties, nested objects turned into their classes. */
export function hydrate<T extends object>(cls: new () => T, plain: Record<string, unknown>): T {
  const instance = new cls() as Record<string, unknown>;
  const nested = nestedTypesOf(cls);
  for (const key of Object.keys(plain)) {
    if (FORBIDDEN_KEYS.has(key)) continue;
    const ref = nested.get(key);
    const value = plain[key];
    instance[key] = ref ? hydrateValue(ref(), value) : Array.isArray(value) ? hydrateValue(undefined, value) : value;
  }
  return instance as T;
}

interface Check {
  property: string;
  each: boolean;
  constraints: unknown[];
  validators: { validate(value: unknown, args: unknown): unknown }[];
}

interface PropertyPlan {
  name: string;
  conditions: ((object: object, value: unknown) => boolean)[];
  checks: Check[];
  nested: boolean;
}

type Plan = PropertyPlan[] | 'unsupported';

const plans = new Map<AnyClass, Plan>();

interface ConstraintMetadataLike {
  async: boolean;
  instance: { validate(value: unknown, args: unknown): unknown };
}

/** The fields of class-validator's ValidationMetadata this module reads. */
interface ValidationMetadata {
  type: string;
  propertyName: string;
  constraints: unknown[];
  constraintCls: AnyClass;
  each?: boolean;
  groups?: string[];
  always?: boolean;
}

interface MetadataStorageLike {
  getTargetValidationMetadatas(target: AnyClass, schema: string | undefined, always: boolean, strictGroups: boolean, groups?: string[]): ValidationMetadata[];
  groupByPropertyName(metadata: ValidationMetadata[]): Record<string, ValidationMetadata[]>;
  getTargetValidatorConstraints(target: AnyClass): ConstraintMetadataLike[];
}

function compile(cls: AnyClass): Plan {
  const storage = getMetadataStorage() as unknown as MetadataStorageLike;
  // The same lookup class-validator's executor makes (no groups, always false, strictGroups false).
  const metadatas = storage.getTargetValidationMetadatas(cls, undefined, false, false, undefined);
  const grouped = storage.groupByPropertyName(metadatas);
  const plan: PropertyPlan[] = [];
  for (const [name, group] of Object.entries(grouped)) {
    const property: PropertyPlan = { name, conditions: [], checks: [], nested: false };
    for (const metadata of group) {
      if ((metadata.groups && metadata.groups.length > 0) || metadata.always !== undefined) return 'unsupported';
      switch (metadata.type) {
        case ValidationTypes.CONDITIONAL_VALIDATION:
          property.conditions.push(metadata.constraints[0] as (object: object, value: unknown) => boolean);
          break;
        case ValidationTypes.NESTED_VALIDATION:
          property.nested = true;
          break;
        case ValidationTypes.WHITELIST:
          break;
        case ValidationTypes.IS_DEFINED:
        case ValidationTypes.CUSTOM_VALIDATION: {
          const constraints = storage.getTargetValidatorConstraints(metadata.constraintCls);
          if (constraints.some((c) => c.async)) return 'unsupported';
          // IS_DEFINED first, as class-validator runs it before the others.
          const check: Check = { property: name, each: metadata.each === true, constraints: metadata.constraints, validators: constraints.map((c) => c.instance) };
          if (metadata.type === ValidationTypes.IS_DEFINED) property.checks.unshift(check);
          else property.checks.push(check);
          break;
        }
        default:
          return 'unsupported';
      }
    }
    plan.push(property);
  }
  return plan;
}

function planOf(cls: AnyClass): Plan {
  let plan = plans.get(cls);
  if (!plan) plans.set(cls, (plan = compile(cls)));
  return plan;
}

class Undecided extends Error {}

function isArrayLike(value: unknown): value is unknown[] | Set<unknown> | Map<unknown, unknown> {
  return Array.isArray(value) || value instanceof Set || value instanceof Map;
}

function toArray(value: unknown[] | Set<unknown> | Map<unknown, unknown>): unknown[] {
  if (value instanceof Map) return Array.from(value.values());
  return Array.isArray(value) ? value : Array.from(value);
}

function passes(check: Check, object: object, value: unknown): boolean {
  const args = { targetName: object.constructor?.name, property: check.property, object, value, constraints: check.constraints };
  const values = check.each && isArrayLike(value) ? toArray(value) : [value];
  // every() skips the holes of sparse arrays, as class-validator's map() does.
  return check.validators.every((validator) =>
    values.every((v) => {
      const result = validator.validate(v, args);
      if (result instanceof Promise) throw new Undecided();
      return Boolean(result);
    }),
  );
}

function nestedPasses(value: unknown): boolean {
  if (value === undefined) return true;
  if (isArrayLike(value)) return toArray(value).every(nestedPasses);
  if (value instanceof Object) return objectPasses(value);
  return false;
}

function objectPasses(object: object): boolean {
  const plan = planOf(object.constructor as AnyClass);
  if (plan === 'unsupported') throw new Undecided();
  const record = object as Record<string, unknown>;
  for (const property of plan) {
    const value = record[property.name];
    let applies = true;
    for (const condition of property.conditions) if (!condition(object, value)) applies = false;
    if (!applies) continue;
    for (const check of property.checks) if (!passes(check, object, value)) return false;
    if (property.nested && !nestedPasses(value)) return false;
  }
  return true;
}

/** true: class-validator would find no error; false: it would; undefined: ask class-validator. */
export function isValidFast(instance: object): boolean | undefined {
  try {
    return objectPasses(instance);
  } catch (error) {
    if (error instanceof Undecided) return undefined;
    throw error;
  }
}
