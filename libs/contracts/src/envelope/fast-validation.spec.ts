import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { seededRandom } from '@dmp/domain';
import * as domain from '@dmp/domain';
import {
  EventEnvelope,
  EventTopic,
  FieldError,
  ParseEventResult,
  SubmittedDocument,
  Topics,
  adopt,
  describeFieldErrors,
  eventDefinitions,
  flattenValidationErrors,
  hydrate,
  isEventTopic,
  isValidFast,
  parseEventSync,
  validateAs,
  validatesFast,
} from '../index';
import { CHILD_INS, FINESS, INS, RPPS, samplePayloads } from '../../test/sample-payloads';

type Json = unknown;
type Path = (string | number)[];
type Class = new () => object;

/** Every path inside a JSON value (objects and arrays), the root excluded. */
function pathsOf(value: Json, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...pathsOf(v, [...prefix, i])]);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
  return [];
}

/** Paths of the objects inside a value, the root included (where an unknown key can be added). */
function objectPathsOf(value: Json, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => objectPathsOf(v, [...prefix, i]));
  if (typeof value === 'object' && value !== null) return [prefix, ...Object.entries(value).flatMap(([k, v]) => objectPathsOf(v, [...prefix, k]))];
  return [];
}

const REMOVE = Symbol('remove');

/** Whether an array inside the value has a hole (removing an array element leaves one). */
function hasHoles(value: Json): boolean {
  if (Array.isArray(value)) return value.some((v) => hasHoles(v)) || Object.keys(value).length !== value.length;
  if (typeof value === 'object' && value !== null) return Object.values(value).some(hasHoles);
  return false;
}

function withValueAt(root: Json, path: Path, replacement: Json | typeof REMOVE): Json {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (replacement === REMOVE) delete node[last];
  else node[last] = replacement;
  return copy;
}

const AT = '2019-12-12T09:30:00.000Z';
const enumValues = [
  ...new Set(
    (Object.values(domain) as unknown[])
      .filter((v): v is Record<string, string> => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string'))
      .flatMap((e) => Object.values(e)),
  ),
];

/**
 * Values every field is tried with: each constraint kind's near misses (lengths around every
 * bound, the characters validator.js counts specially, uuid versions and cases, instants and
 * dates out of range, identifiers off by a key digit, spaces or case), every enum value of the
 * domain, and values of the wrong type.
 */
const pool: (Json | typeof REMOVE)[] = [
  REMOVE,
  undefined,
  null,
  true,
  false,
  0,
  -1,
  1,
  1.5,
  2,
  1e21,
  2 ** 53 + 2,
  Infinity,
  -Infinity,
  '',
  ' ',
  'x',
  '0',
  ...[63, 64, 65, 100, 101, 128, 129, 200, 201, 255, 256, 500, 501].map((n) => 'a'.repeat(n)),
  '\u{1F600}',
  '\u{1F600}'.repeat(64),
  '\u{1F600}'.repeat(65),
  '\u{1F600}'.repeat(100) + 'a',
  'a\uFE0F',
  '\uFE0F',
  '\uFE0F\uFE0E',
  'a\uFE0F'.repeat(64) + 'a',
  '\u{1F44D}\uFE0F',
  '\uD83D',
  '\uDE00\uD83D',
  'é',
  '3f0e8f7a-0d55-4a43-9d0c-52f3c4b0d2a1',
  '3F0E8F7A-0D55-4A43-9D0C-52F3C4B0D2A1',
  '3f0e8f7a-0d55-1a43-9d0c-52f3c4b0d2a1',
  '3f0e8f7a-0d55-5a43-9d0c-52f3c4b0d2a1',
  '3f0e8f7a-0d55-4a43-7d0c-52f3c4b0d2a1',
  '3f0e8f7a0d554a439d0c52f3c4b0d2a1',
  '{3f0e8f7a-0d55-4a43-9d0c-52f3c4b0d2a1}',
  '3f0e8f7a-0d55-4a43-9d0c-52f3c4b0d2a1 ',
  '00000000-0000-0000-0000-000000000000',
  AT,
  '2019-12-12T09:30:00Z',
  '2019-12-12T09:30:00.123456789Z',
  '2019-12-12T09:30:00.1234567891Z',
  '2019-12-12T09:30:00+01:00',
  '2019-12-12T09:30:00-23:59',
  '2019-12-12T09:30:00+24:00',
  '2019-12-12T09:30:00+01:60',
  '2019-12-12T24:00:00Z',
  '2019-12-12T24:00:01Z',
  '2019-12-12T23:60:00Z',
  '2019-12-12T23:59:60Z',
  '2019-02-29T00:00:00Z',
  '2020-02-29T00:00:00Z',
  '2019-02-30T00:00:00Z',
  '2019-04-31T00:00:00Z',
  '2019-13-01T00:00:00Z',
  '2019-00-01T00:00:00Z',
  '2019-12-00T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2019-12-12T09:30:00',
  '2019-12-12 09:30:00Z',
  '2019-12-12t09:30:00z',
  '2019-12-12',
  '2019-02-29',
  '2020-02-29',
  '2019-12-32',
  '2019-1-1',
  '20191212',
  INS,
  CHILD_INS,
  '185012a12345666',
  '1 00 01 75 101 001 51',
  ` ${INS}`,
  '100017510100152',
  '10001751010015',
  '1000175101001511',
  '500017510100151',
  '100007510100151',
  '100017500000151',
  RPPS,
  '10123456782',
  ` ${RPPS}`,
  '1012345678',
  FINESS,
  '750712185',
  '2A0712184',
  '751',
  '75',
  '7511',
  'parent@example.fr',
  'parent@example',
  'parent@@example.fr',
  '+33612345678',
  '33612345678',
  '+0612345678',
  'a'.repeat(64).replace(/a/g, 'f'),
  'A'.repeat(64),
  'aGVsbG8=',
  'not base64!',
  '1.2.250.1.71^doc-1',
  'doc 1',
  ...enumValues,
  'PDF',
  [],
  ['x'],
  [1],
  [{}],
  [null],
  [INS, INS],
  [INS, CHILD_INS],
  ['x', 'y', 'z', 'w', 'v', 'u', 't', 's', 'r', 'q', 'p'],
  [[{}]],
  {},
  { x: 1 },
  { role: 'patient', id: INS },
  { role: 'professional', id: RPPS, profession: 'nurse' },
  { finess: FINESS, kind: 'health', category: 'chu' },
  { rpps: RPPS, profession: 'physician' },
  { emergencyAccess: true, samuRegulationAccess: false },
  { email: 'me@example.fr' },
  { mobile: '+33612345678' },
  { email: undefined, mobile: undefined },

];

/** class-transformer + class-validator, as the services did before the fast path: the oracle. */
function referenceValidateAs(cls: Class, plain: Json, prefix = ''): { ok: boolean; reason?: string; errors?: FieldError[] } {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) return { ok: false };
  let found;
  try {
    found = validateSync(plainToInstance(cls, plain), { forbidUnknownValues: false });
  } catch (error) {
    // validateAs reports a validator that throws as a failure of the whole object.
    const errors = [{ field: prefix || '(root)', reason: `could not be validated (${(error as Error).message})` }];
    return { ok: false, reason: describeFieldErrors(errors), errors };
  }
  const errors = flattenValidationErrors(found, prefix);
  return errors.length === 0 ? { ok: true } : { ok: false, reason: describeFieldErrors(errors), errors };
}

/** true or false, or 'throws' where a validator of class-validator throws (isEmail on a lone surrogate). */
function referenceSaysValid(cls: Class, plain: Json): boolean | 'throws' {
  try {
    return validateSync(plainToInstance(cls, plain), { forbidUnknownValues: false }).length === 0;
  } catch {
    return 'throws';
  }
}

interface Case {
  name: string;
  cls: Class;
  plain: Record<string, unknown>;
}

function describeReplacement(replacement: Json | typeof REMOVE): string {
  if (replacement === REMOVE) return '(removed)';
  if (replacement === undefined) return 'undefined';
  const text = JSON.stringify(replacement);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/** The sample of each event's payload, the envelope, and a submitted document (validated on its own). */
function roots(): { name: string; cls: Class; plain: Record<string, unknown> }[] {
  const list: { name: string; cls: Class; plain: Record<string, unknown> }[] = [];
  for (const [topic, payload] of Object.entries(samplePayloads()) as [EventTopic, Record<string, unknown>][]) {
    list.push({ name: topic, cls: eventDefinitions[topic].payloadClass as Class, plain: payload });
  }
  const document = samplePayloads()[Topics.DOCUMENT_ADDED];
  const submitted = { documentId: 'd', ins: INS, type: document.type, format: 'pdf', title: 't', author: document.author, authoredAt: AT, sha256: document.sha256, sizeBytes: 1, bodyBase64: 'aGk=' };
  list.push({ name: 'submitted document', cls: SubmittedDocument, plain: submitted });
  const envelope = { eventId: '3f0e8f7a-0d55-4a43-9d0c-52f3c4b0d2a1', type: 'access.accessed', schemaVersion: 1, occurredAt: AT, producer: 'documents', correlationId: 'c-1', key: INS, payload: {} };
  list.push({ name: 'envelope', cls: EventEnvelope, plain: envelope });
  return list;
}

/** Every root as given, then every field of it replaced by every value of the pool. */
function singleMutations(): Case[] {
  const cases: Case[] = [];
  for (const { name, cls, plain } of roots()) {
    cases.push({ name: `${name} as given`, cls, plain });
    for (const path of pathsOf(plain)) {
      for (const replacement of pool) cases.push({ name: `${name} with ${path.join('.')} = ${describeReplacement(replacement)}`, cls, plain: withValueAt(plain, path, replacement) as Record<string, unknown> });
    }
  }
  return cases;
}

/** Each root with 1-4 random changes at once: replaced fields, removed fields, unknown keys. */
function randomMutations(count: number, seed: number): Case[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const all = roots();
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const { name, cls, plain } = all[i % all.length];
    let current: Json = plain;
    const steps: string[] = [];
    const changes = 1 + Math.floor(random() * 4);
    for (let c = 0; c < changes; c++) {
      if (random() < 0.15) {
        const at = pick(objectPathsOf(current));
        current = withValueAt(current, [...at, 'unknownField'], pick(pool));
        steps.push(`${[...at, 'unknownField'].join('.')} added`);
        continue;
      }
      const paths = pathsOf(current);
      if (paths.length === 0) break;
      const path = pick(paths);
      const replacement = pick(pool);
      current = withValueAt(current, path, replacement);
      steps.push(`${path.join('.')} = ${describeReplacement(replacement)}`);
    }
    cases.push({ name: `${name} with ${steps.join(', ')}`, cls, plain: current as Record<string, unknown> });
  }
  return cases;
}

function expectAgreement(cases: Case[]): void {
  const outcomes = cases.map(({ name, cls, plain }) => ({ name, expected: referenceSaysValid(cls, plain), fast: validatesFast(cls, plain), onInstance: isValidFast(hydrate(cls, plain)) }));
  // Where class-validator throws, the fast path must not decide either (undefined: class-validator
  // runs). Arrays with holes (JSON never has them; hydrate() drops them) are left to class-validator.
  const agrees = (answer: boolean | undefined, expected: boolean | 'throws', holes: boolean): boolean =>
    expected === 'throws' ? answer === undefined : answer === expected || (holes && answer === undefined);
  expect(
    outcomes
      .filter((o, i) => !agrees(o.fast, o.expected, hasHoles(cases[i].plain)) || !agrees(o.onInstance, o.expected, false))
      .map((o) => `${o.name}: class-validator ${o.expected}, fast ${o.fast}, on instance ${o.onInstance}`),
  ).toEqual([]);
  // Both outcomes must be well represented, or the comparison proves little.
  const valid = outcomes.filter((o) => o.expected === true).length;
  expect(valid).toBeGreaterThan(cases.length * 0.05);
  expect(cases.length - valid).toBeGreaterThan(cases.length * 0.3);
}

describe(validatesFast.name, () => {
  it('decides as class-transformer + class-validator on every sample, and on every field of it replaced by every near-miss value', () => {
    const cases = singleMutations();
    expect(cases.length).toBeGreaterThan(40_000);
    expectAgreement(cases);
  });

  it('decides as class-transformer + class-validator on 8,000 samples with up to four random changes at once', () => {
    expectAgreement(randomMutations(8_000, 2019));
  });

  it('answers for every contract class of every topic (none falls back to class-validator)', () => {
    for (const { cls, plain } of roots()) expect(validatesFast(cls, plain)).toBe(true);
  });

  it('leaves classes outside the contracts to class-validator', () => {
    class Outside {}
    expect(validatesFast(Outside, {})).toBeUndefined();
  });
});

describe(validateAs.name, () => {
  it('gives the same verdict, reason and field errors as class-transformer + class-validator', () => {
    const cases = [...singleMutations().filter((_, i) => i % 13 === 0), ...randomMutations(1_500, 7)];
    const differing = cases
      .map(({ name, cls, plain }) => {
        const actual = validateAs(cls, plain, 'payload');
        const expected = referenceValidateAs(cls, plain, 'payload');
        const same = actual.ok === expected.ok && (actual.ok || (actual.reason === expected.reason && JSON.stringify(actual.errors) === JSON.stringify(expected.errors)));
        return same ? undefined : `${name}: ${JSON.stringify(actual)} instead of ${JSON.stringify(expected)}`;
      })
      .filter((d) => d !== undefined);
    expect(differing).toEqual([]);
  });
});

/** parseEventSync as it was before the fast path (plainToInstance + validateSync): the oracle. */
function referenceParse(topic: string, text: string): { ok: boolean; reason?: string } {
  if (!isEventTopic(topic)) return { ok: false };
  const definition = eventDefinitions[topic];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false };
  const envelope = referenceValidateAs(EventEnvelope, json);
  const errors: FieldError[] = envelope.ok ? [] : [...(envelope.errors ?? [])];
  const plain = json as Record<string, unknown>;
  if (typeof plain.type === 'string' && plain.type !== definition.type) {
    errors.push({ field: 'type', reason: `type "${plain.type}" does not belong on topic ${topic} (expected "${definition.type}")` });
  }
  let payloadOk = false;
  if (typeof plain.payload === 'object' && plain.payload !== null && !Array.isArray(plain.payload)) {
    const payload = referenceValidateAs(definition.payloadClass as Class, plain.payload, 'payload');
    payloadOk = payload.ok;
    errors.push(...(payload.errors ?? []));
  }
  if (errors.length > 0 || !envelope.ok || !payloadOk) return { ok: false, reason: describeFieldErrors(errors) };
  return { ok: true };
}

describe(`${parseEventSync.name} on the fast path`, () => {
  it('accepts and rejects the messages the class-validator way does, with the same dead-letter reason', () => {
    const random = seededRandom(42);
    const messages: { name: string; topic: EventTopic; text: string }[] = [];
    for (const [topic, payload] of Object.entries(samplePayloads()) as [EventTopic, Record<string, unknown>][]) {
      const envelope = { eventId: '3f0e8f7a-0d55-4a43-9d0c-52f3c4b0d2a1', type: eventDefinitions[topic].type, schemaVersion: 1, occurredAt: AT, producer: 'p', correlationId: 'c', key: INS, payload };
      messages.push({ name: `${topic} as given`, topic, text: JSON.stringify(envelope) });
      for (let i = 0; i < 100; i++) {
        const paths = pathsOf(envelope);
        const path = paths[Math.floor(random() * paths.length)];
        const replacement = pool[Math.floor(random() * pool.length)];
        const mutated = withValueAt(envelope, path, replacement);
        messages.push({ name: `${topic} with ${path.join('.')} = ${describeReplacement(replacement)}`, topic, text: JSON.stringify(mutated) });
      }
    }
    const differing = messages
      .map(({ name, topic, text }) => {
        const actual: ParseEventResult<unknown> = parseEventSync(topic, Buffer.from(text));
        const expected = referenceParse(topic, text);
        const same = actual.ok === expected.ok && (actual.ok || actual.reason === expected.reason);
        return same ? undefined : `${name}: ${actual.ok ? 'accepted' : actual.reason} instead of ${expected.ok ? 'accepted' : expected.reason}`;
      })
      .filter((d) => d !== undefined);
    expect(differing).toEqual([]);
    expect(messages.filter((m) => referenceParse(m.topic, m.text).ok).length).toBeGreaterThan(messages.length * 0.05);
  });
});

describe(adopt.name, () => {
  it('gives what class-transformer gives, made of the parsed JSON itself', () => {
    for (const { cls, plain } of roots()) {
      const expected = plainToInstance(cls, plain);
      const json = JSON.parse(JSON.stringify(plain)) as Record<string, unknown>;
      const sut = adopt(cls, json);
      expect(sut).toBe(json);
      expect(sut).toStrictEqual(expected);
    }
  });

  it('copies an object carrying a key that would change its prototype or hide its constructor', () => {
    const hostile = JSON.parse('{"eventId": "e", "payload": {"x": 1}, "constructor": {"name": "x"}, "__proto__": {"polluted": true}}') as Record<string, unknown>;
    const sut = adopt(EventEnvelope, hostile);
    expect(sut).not.toBe(hostile);
    expect(Object.getPrototypeOf(sut)).toBe(EventEnvelope.prototype);
    expect(sut.constructor).toBe(EventEnvelope);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe(`${parseEventSync.name} with a validator that throws`, () => {
  it('answers with the reason instead of throwing (validator.js isEmail on a lone surrogate)', () => {
    const payload = { ...samplePayloads()[Topics.RECORD_OPENED], contacts: { email: '\uD83D@example.fr' } };
    const message = { eventId: '3f0e8f7a-0d55-4a43-9d0c-52f3c4b0d2a1', type: eventDefinitions[Topics.RECORD_OPENED].type, schemaVersion: 1, occurredAt: AT, producer: 'p', correlationId: 'c', key: INS, payload };

    const sut = parseEventSync(Topics.RECORD_OPENED, JSON.stringify(message));

    expect(sut).toMatchObject({ ok: false, reason: 'payload: could not be validated (URI malformed)' });
  });
});

describe(`${parseEventSync.name} envelopes`, () => {
  it('are what class-transformer makes of the message, payload included', () => {
    for (const [topic, payload] of Object.entries(samplePayloads()) as [EventTopic, Record<string, unknown>][]) {
      const message = { eventId: '3f0e8f7a-0d55-4a43-9d0c-52f3c4b0d2a1', type: eventDefinitions[topic].type, schemaVersion: 1, occurredAt: AT, producer: 'p', correlationId: 'c', key: INS, payload };
      const sut = parseEventSync(topic, JSON.stringify(message));
      const expected = plainToInstance(EventEnvelope, message);
      expected.payload = plainToInstance(eventDefinitions[topic].payloadClass as Class, payload);
      expect(sut).toStrictEqual({ ok: true, envelope: expected });
    }
  });
});

describe(hydrate.name, () => {
  it('hydrates exactly as class-transformer does', () => {
    for (const { cls, plain } of roots()) expect(hydrate(cls, plain)).toStrictEqual(plainToInstance(cls, plain));
  });

  it('never copies keys that would change the prototype or hide the constructor', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"name": "x"}, "eventId": "e"}') as Record<string, unknown>;
    const sut = hydrate(EventEnvelope, hostile);
    expect(Object.getPrototypeOf(sut)).toBe(EventEnvelope.prototype);
    expect(sut.constructor).toBe(EventEnvelope);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
