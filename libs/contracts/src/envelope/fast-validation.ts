import {
  ARRAY_MAX_SIZE,
  ARRAY_MIN_SIZE,
  IS_ARRAY,
  IS_BOOLEAN,
  IS_EMAIL,
  IS_ENUM,
  IS_IN,
  IS_INT,
  IS_LENGTH,
  IS_NUMBER,
  IS_OBJECT,
  IS_STRING,
  IS_UUID,
  MATCHES,
  MAX,
  MIN,
  ValidationTypes,
  getMetadataStorage,
  isEmail,
  isNumber,
  isUUID,
  length,
  matches,
} from 'class-validator';

/**
 * A fast path for validating the contracts' own classes (consumers validate every message, at
 * tens of thousands per second; class-transformer + class-validator cost ~25 µs per event).
 *
 * - validatesFast(cls, plain) answers only "valid or not" for parsed JSON, before any class
 *   instance exists. Each class is compiled once from class-validator's own metadata (the
 *   decorators stay the only statement of the rules) into one check per property, built from
 *   hand-written predicates, one per constraint kind (IsString, Length, IsUUID, IsEnum...), that
 *   decide exactly as the constraint does. A constraint it has no predicate for runs through
 *   class-validator's own constraint instance. When it says "not valid", class-validator runs
 *   on the hydrated instance to produce the messages, so messages are class-validator's own. It
 *   returns undefined (= ask class-validator) for anything it does not model (groups, always,
 *   async constraints, classes with methods or field initialisers).
 * - hydrate() builds class instances from parsed JSON using the nested types that NestedObject
 *   and NestedObjects recorded, instead of class-transformer's generic (and slow) walk. It is
 *   used only for classes registered here, which use no other class-transformer feature.
 * A differential spec checks both against class-transformer + class-validator on every sample
 * payload, every single mutation of it and thousands of random multi-field mutations.
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

/** A value check that decides exactly as a constraint's validate() does. */
export type FastPredicate = (value: unknown) => boolean;

const customPredicates = new Map<string, FastPredicate>();

/**
 * Declares the predicate of one of our own ValidateBy decorators, by the decorator's `name`: it
 * must decide exactly as the decorator's validate(value), which must not read its arguments.
 */
export function registerFastPredicate(name: string, predicate: FastPredicate): void {
  customPredicates.set(name, predicate);
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

function hasForbiddenKey(plain: object): boolean {
  return Object.hasOwn(plain, '__proto__') || Object.hasOwn(plain, 'constructor') || Object.hasOwn(plain, 'prototype');
}

function adoptValue(cls: Class, value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = adoptValue(cls, value[i]);
    return value;
  }
  return isPlainObject(value) ? adopt(cls, value) : value;
}

/**
 * What hydrate() gives, made of `plain` itself instead of a copy: its objects get their classes'
 * prototypes in place. For JSON just parsed by the caller, which nothing else holds (parseEventSync):
 * no second copy of every message. An object carrying a key hydrate() refuses (`__proto__`,
 * `constructor`, `prototype`), or of a class the fast path does not model (field initialisers,
 * methods), is copied by hydrate() instead. JSON arrays have no holes, so keeping them is what
 * copying them would give.
 */
export function adopt<T extends object>(cls: new () => T, plain: Record<string, unknown>): T {
  if (hasForbiddenKey(plain) || compiledOrUnsupported(cls) === 'unsupported') return hydrate(cls, plain);
  for (const [key, ref] of nestedTypesOf(cls)) {
    const value = plain[key];
    if (value !== undefined) plain[key] = adoptValue(ref(), value);
  }
  Object.setPrototypeOf(plain, cls.prototype);
  return plain as T;
}

// ---------------------------------------------------------------------------------------------
// Predicates per constraint kind. Each states the class-validator 0.14 function it mirrors; the
// differential spec holds them to it.

/** isLength of validator.js counts a surrogate pair and a character + variation selector as one. */
const LENGTH_SENSITIVE = /[\uD800-\uDBFF]|\uFE0E|\uFE0F/;

function lengthPredicate(min: unknown, max: unknown): FastPredicate | undefined {
  if ((min !== undefined && typeof min !== 'number') || (max !== undefined && typeof max !== 'number')) return undefined;
  // validator.js: min = options.min || 0; in range when len >= min && (max undefined || len <= max).
  const low = min || 0;
  return (value) => {
    if (typeof value !== 'string') return false;
    if (LENGTH_SENSITIVE.test(value)) return length(value, min as number, max as number);
    const n = value.length;
    return n >= low && (max === undefined || n <= max);
  };
}

/** validator.js's isUUID pattern for version 4 (the only version the contracts use). */
const UUID_V4 = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/i;

function uuidPredicate(version: unknown): FastPredicate {
  if (version === '4' || version === 4) return (value) => typeof value === 'string' && UUID_V4.test(value);
  return (value) => isUUID(value, version as never);
}

function matchesPredicate(pattern: unknown, modifiers: unknown): FastPredicate | undefined {
  // validator.js's matches() is str.match(pattern): for a RegExp without g or y, that is test().
  if (!(pattern instanceof RegExp) || pattern.global || pattern.sticky) return (value) => matches(value as string, pattern as never, modifiers as string);
  return (value) => typeof value === 'string' && pattern.test(value);
}

function enumPredicate(entity: unknown): FastPredicate | undefined {
  if (typeof entity !== 'object' || entity === null) return undefined;
  // isEnum: Object.keys(entity).map(k => entity[k]).includes(value): SameValueZero, as Set.has.
  // Read once: enums are not changed at run time.
  const values = new Set(Object.keys(entity).map((k) => (entity as Record<string, unknown>)[k]));
  return (value) => values.has(value);
}

function inPredicate(possible: unknown): FastPredicate {
  if (!Array.isArray(possible)) return () => false;
  // isIn: possibleValues.some(p => p === value). Set.has differs from === only for NaN.
  const values = new Set(possible.filter((p) => !Number.isNaN(p)));
  return (value) => values.has(value);
}

/** The predicate of a built-in constraint, by the name class-validator gives it; undefined if not modelled. */
function builtInPredicate(name: string, constraints: unknown[]): FastPredicate | undefined {
  const [first, second] = constraints ?? [];
  switch (name) {
    case IS_STRING:
      return (value) => typeof value === 'string' || value instanceof String;
    case IS_LENGTH:
      return lengthPredicate(first, second);
    case IS_UUID:
      return uuidPredicate(first);
    case IS_INT:
      return (value) => typeof value === 'number' && Number.isInteger(value);
    case IS_NUMBER:
      return (value) => isNumber(value, first as never);
    case MIN:
      return (value) => typeof value === 'number' && typeof first === 'number' && value >= first;
    case MAX:
      return (value) => typeof value === 'number' && typeof first === 'number' && value <= first;
    case IS_ENUM:
      return enumPredicate(first);
    case IS_IN:
      return inPredicate(first);
    case IS_BOOLEAN:
      return (value) => typeof value === 'boolean' || value instanceof Boolean;
    case IS_OBJECT:
      return (value) => value != null && (typeof value === 'object' || typeof value === 'function') && !Array.isArray(value);
    case IS_ARRAY:
      return (value) => Array.isArray(value);
    case ARRAY_MIN_SIZE:
      return (value) => Array.isArray(value) && value.length >= (first as number);
    case ARRAY_MAX_SIZE:
      return (value) => Array.isArray(value) && value.length <= (first as number);
    case MATCHES:
      return matchesPredicate(first, second);
    case IS_EMAIL:
      return (value) => isEmail(value, first as never);
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Compilation of a class into one check (class-validator's executor, decisions only).

class Undecided extends Error {}

/** true: class-validator finds no error in `object`, validated as the compiled class. */
type ObjectCheck = (object: Record<string, unknown>) => boolean;

interface ConstraintMetadataLike {
  async: boolean;
  instance: { validate(value: unknown, args: unknown): unknown };
}

/** The fields of class-validator's ValidationMetadata this module reads. */
interface ValidationMetadata {
  type: string;
  name?: string;
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

/** A constraint without a predicate of ours: its own validate(), with the arguments class-validator passes. */
function viaInstance(cls: AnyClass, metadata: ValidationMetadata, constraint: ConstraintMetadataLike): (value: unknown, object: object) => boolean {
  return (value, object) => {
    const result = constraint.instance.validate(value, { targetName: cls.name, property: metadata.propertyName, object, value, constraints: metadata.constraints });
    if (result instanceof Promise) throw new Undecided();
    return Boolean(result);
  };
}

/**
 * hydrate() copies arrays without their holes, so class-validator never sees one; JSON.parse never
 * makes one. An array with holes is left to class-validator rather than modelled.
 */
function refuseHoles(value: unknown[]): void {
  for (let i = 0; i < value.length; i++) if (!(i in value)) throw new Undecided();
}

function isArrayLike(value: unknown): value is unknown[] | Set<unknown> | Map<unknown, unknown> {
  return Array.isArray(value) || value instanceof Set || value instanceof Map;
}

function toArray(value: unknown[] | Set<unknown> | Map<unknown, unknown>): unknown[] {
  if (value instanceof Map) return Array.from(value.values());
  return Array.isArray(value) ? value : Array.from(value);
}

type ValueCheck = (value: unknown, object: object) => boolean;

function constraintCheck(cls: AnyClass, metadata: ValidationMetadata, constraint: ConstraintMetadataLike): ValueCheck {
  const name = metadata.name ?? '';
  const fast = metadata.type === ValidationTypes.IS_DEFINED ? (value: unknown) => value !== undefined && value !== null : customPredicates.get(name) ?? builtInPredicate(name, metadata.constraints);
  const one: ValueCheck = fast ?? viaInstance(cls, metadata, constraint);
  if (!metadata.each) return one;
  // each: every element of an array, Set or Map (values); anything else is checked as it is.
  // every() skips the holes of sparse arrays, as class-validator's map() + every() do.
  return (value, object) => (isArrayLike(value) ? toArray(value).every((v) => one(v, object)) : one(value, object));
}

/**
 * ValidateNested on a value: undefined passes; arrays (and Sets, Maps) check each element; an
 * object of a property with a registered class is validated with that class (hydrate() makes it
 * an instance of it, whatever realm the object came from); an object of an unregistered
 * property stays as it is, which class-validator accepts when it is an Object (no rules);
 * anything else fails.
 */
function nestedCheck(ref: ClassRef | undefined): (value: unknown) => boolean {
  const check = (value: unknown): boolean => {
    if (value === undefined) return true;
    if (Array.isArray(value)) refuseHoles(value);
    if (isArrayLike(value)) return toArray(value).every(check);
    if (ref && isPlainObject(value)) return checkOf(ref())(value);
    return value instanceof Object;
  };
  return check;
}

/** What class-validator's executor runs for one property, read from its metadata. */
interface PropertyRules {
  name: string;
  conditions: ((object: object, value: unknown) => boolean)[];
  checks: ValueCheck[];
  nested?: (value: unknown) => boolean;
}

function propertyRules(cls: AnyClass, name: string, group: ValidationMetadata[], ref: ClassRef | undefined): PropertyRules | 'unsupported' {
  const storage = getMetadataStorage() as unknown as MetadataStorageLike;
  const rules: PropertyRules = { name, conditions: [], checks: [] };
  for (const metadata of group) {
    if ((metadata.groups && metadata.groups.length > 0) || metadata.always !== undefined) return 'unsupported';
    switch (metadata.type) {
      case ValidationTypes.CONDITIONAL_VALIDATION:
        rules.conditions.push(metadata.constraints[0] as (object: object, value: unknown) => boolean);
        break;
      case ValidationTypes.NESTED_VALIDATION:
        rules.nested = nestedCheck(ref);
        break;
      case ValidationTypes.WHITELIST:
        break;
      case ValidationTypes.IS_DEFINED:
      case ValidationTypes.CUSTOM_VALIDATION:
        for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
          if (constraint.async) return 'unsupported';
          rules.checks.push(constraintCheck(cls, metadata, constraint));
        }
        break;
      default:
        return 'unsupported';
    }
  }
  return rules;
}

/**
 * One function per class, written out property by property: each call site calls one known
 * predicate, which V8 can inline, where a loop over closures would make every call site see
 * every predicate. The source holds only the property names (JSON-quoted) and the indexes of
 * the predicates passed in; nothing of a message reaches it.
 * The executor runs every condition and skips the property unless all hold; IS_DEFINED runs
 * before the others, but only the verdict matters here, so the order of checks does not.
 */
function generate(properties: PropertyRules[]): ObjectCheck {
  const functions: unknown[] = [refuseHoles];
  const names: string[] = ['refuseHoles'];
  const use = (fn: unknown): string => {
    functions.push(fn);
    names.push(`f${functions.length - 1}`);
    return `f${functions.length - 1}`;
  };
  const lines: string[] = ['let v;'];
  for (const property of properties) {
    lines.push(`v = o[${JSON.stringify(property.name)}];`, 'if (Array.isArray(v)) refuseHoles(v);');
    const tests = [...property.checks.map((check) => `${use(check)}(v, o)`), ...(property.nested ? [`${use(property.nested)}(v)`] : [])];
    if (tests.length === 0) continue;
    const verdict = `if (!(${tests.join(' && ')})) return false;`;
    if (property.conditions.length === 0) lines.push(verdict);
    else {
      // Every condition runs, as in class-validator (map, then reduce), before any is looked at.
      const conditions = property.conditions.map((condition, i) => `const c${i} = ${use(condition)}(o, v);`);
      const applies = property.conditions.map((_, i) => `c${i}`).join(' && ');
      lines.push(`{ ${conditions.join(' ')} if (${applies}) { ${verdict} } }`);
    }
  }
  lines.push('return true;');
  const factory = new Function(...names, `return function check(o) {\n${lines.join('\n')}\n};`) as (...fns: unknown[]) => ObjectCheck;
  return factory(...functions);
}

/** Whether validating a plain object can stand for validating cls's instance of it. */
function plainStandsForInstance(cls: AnyClass): boolean {
  // Field initialisers would give the instance values the plain object lacks.
  if (Object.keys(new (cls as unknown as Class)()).length > 0) return false;
  // Methods or accessors would be seen by the instance's validation where JSON has no key.
  for (let p: object | null = (cls as unknown as Class).prototype as object; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    if (Object.getOwnPropertyNames(p).some((key) => key !== 'constructor')) return false;
  }
  return true;
}

function compile(cls: AnyClass): ObjectCheck | 'unsupported' {
  if (!plainStandsForInstance(cls)) return 'unsupported';
  const storage = getMetadataStorage() as unknown as MetadataStorageLike;
  // The same lookup class-validator's executor makes (no groups, always false, strictGroups false).
  const metadatas = storage.getTargetValidationMetadatas(cls, undefined, false, false, undefined);
  const grouped = storage.groupByPropertyName(metadatas);
  const nested = nestedTypesOf(cls);
  const properties: PropertyRules[] = [];
  for (const [name, group] of Object.entries(grouped)) {
    // hydrate() never copies these keys; their value on an instance is not the JSON's.
    if (FORBIDDEN_KEYS.has(name)) return 'unsupported';
    const rules = propertyRules(cls, name, group, nested.get(name));
    if (rules === 'unsupported') return 'unsupported';
    properties.push(rules);
  }
  return generate(properties);
}

const compiled = new Map<AnyClass, ObjectCheck | 'unsupported'>();

function compiledOrUnsupported(cls: AnyClass): ObjectCheck | 'unsupported' {
  let check = compiled.get(cls);
  if (check === undefined) compiled.set(cls, (check = compile(cls)));
  return check;
}

function checkOf(cls: AnyClass): ObjectCheck {
  const check = compiledOrUnsupported(cls);
  if (check === 'unsupported') throw new Undecided();
  return check;
}

/**
 * Whether class-validator would find no error in `plain` (parsed JSON) turned into an instance
 * of cls by hydrate(): true or false, or undefined when this path cannot tell (ask class-validator).
 */
export function validatesFast(cls: AnyClass, plain: Record<string, unknown>): boolean | undefined {
  if (!contractClasses.has(cls)) return undefined;
  try {
    return checkOf(cls)(plain);
  } catch {
    // Undecided, or a constraint that throws (validator.js's isEmail on a lone surrogate):
    // class-validator decides, and validateAs reports what it throws.
    return undefined;
  }
}

/** true: class-validator would find no error in this hydrated instance; false: it would; undefined: ask class-validator. */
export function isValidFast(instance: object): boolean | undefined {
  try {
    return checkOf(instance.constructor as AnyClass)(instance as Record<string, unknown>);
  } catch {
    return undefined;
  }
}
