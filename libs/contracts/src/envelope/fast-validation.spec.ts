import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EventEnvelope, EventTopic, SubmittedDocument, eventDefinitions, hydrate, isValidFast } from '../index';
import { INS, RPPS, samplePayloads } from '../../test/sample-payloads';

type Json = unknown;

/** Every path inside a JSON value (objects and arrays), the root excluded. */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...pathsOf(v, [...prefix, i])]);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
  return [];
}

function withValueAt(root: Json, path: (string | number)[], replacement: Json | typeof REMOVE): Json {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (replacement === REMOVE) delete node[last];
  else node[last] = replacement;
  return copy;
}

const REMOVE = Symbol('remove');
const replacements: (Json | typeof REMOVE)[] = [REMOVE, undefined, null, '', 'x', 0, -1, 1.5, true, [], {}, ['x'], [{}], INS, RPPS, '2019-12-12T09:30:00.000Z', '2019-12-12', 'a'.repeat(300)];

function classValidatorSaysValid(cls: new () => object, plain: Json): boolean {
  return validateSync(plainToInstance(cls, plain), { forbidUnknownValues: false }).length === 0;
}

describe(isValidFast.name, () => {
  const cases: [string, new () => object, Json][] = [];
  for (const [topic, payload] of Object.entries(samplePayloads()) as [EventTopic, Json][]) {
    const cls = eventDefinitions[topic].payloadClass as new () => object;
    cases.push([`${topic} as given`, cls, payload]);
    for (const path of pathsOf(payload)) {
      for (const replacement of replacements) cases.push([`${topic} with ${path.join('.')} = ${String(replacement === REMOVE ? '(removed)' : JSON.stringify(replacement))}`, cls, withValueAt(payload, path, replacement)]);
    }
  }
  const document = (samplePayloads()['dmp.documents.document-added.v1'] as Record<string, unknown>);
  const submitted = { documentId: 'd', ins: INS, type: document.type, format: 'pdf', title: 't', author: document.author, authoredAt: document.authoredAt, sha256: document.sha256, sizeBytes: 1, bodyBase64: 'aGk=' };
  for (const path of pathsOf(submitted)) for (const replacement of replacements) cases.push([`submitted document with ${path.join('.')}`, SubmittedDocument, withValueAt(submitted, path, replacement)]);

  it(`agrees with class-transformer + class-validator on ${cases.length} valid and mutated payloads`, () => {
    const outcomes = cases.map(([name, cls, plain]) => ({ name, expected: classValidatorSaysValid(cls, plain), actual: isValidFast(hydrate(cls, plain as Record<string, unknown>)) }));

    expect(outcomes.filter((o) => o.actual !== o.expected).map((o) => o.name)).toEqual([]);
    // The mutations must include both outcomes, or the comparison proves nothing.
    expect(new Set(outcomes.map((o) => o.expected))).toEqual(new Set([true, false]));
  });

  it('hydrates exactly as class-transformer does', () => {
    for (const [topic, payload] of Object.entries(samplePayloads()) as [EventTopic, Record<string, unknown>][]) {
      const cls = eventDefinitions[topic].payloadClass as new () => object;
      expect(hydrate(cls, payload)).toStrictEqual(plainToInstance(cls, payload));
    }
  });

  it('never copies keys that would change the prototype or hide the constructor', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"name": "x"}, "eventId": "e"}') as Record<string, unknown>;

    const sut = hydrate(EventEnvelope, hostile);

    expect(Object.getPrototypeOf(sut)).toBe(EventEnvelope.prototype);
    expect(sut.constructor).toBe(EventEnvelope);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
