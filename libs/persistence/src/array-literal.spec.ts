import { arrayLiteral, arrayLiteralOf } from './array-literal';

// node-postgres's own serialisation of a parameter (not in its type declarations).
const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): unknown };

describe(arrayLiteralOf.name, () => {
  it('writes the text node-postgres writes for the same array of text and numbers', () => {
    // A fixed linear congruential sequence: the same strings on every run.
    let seed = 8;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['a', 'Z', '0', ' ', ',', '{', '}', '"', '\\', "'", 'é', '\u{1F600}', 'N', 'U', 'L', '\n', '\t'];
    const values: (string | number | null)[] = ['', 'NULL', 'null', '\\"', '"\\', 0, -1, 1.5, 1e21, 123456789012345, null];
    for (let i = 0; i < 2_000; i++) {
      const length = Math.floor(random() * 12);
      values.push(Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
    }
    for (let start = 0; start < values.length; start += 37) {
      const slice = values.slice(start, start + 37);
      expect(arrayLiteralOf(slice, (v) => v)).toBe(prepareValue(slice));
    }
    expect(arrayLiteralOf([], (v: string) => v)).toBe(prepareValue([]));
  });

  it('reads each element through valueOf, undefined as NULL', () => {
    expect(arrayLiteralOf([{ id: 'a"b' }, { id: undefined }], (r) => r.id)).toBe('{"a\\"b",NULL}');
  });
});

describe(arrayLiteral.name, () => {
  it('quotes every text element and escapes quotes and backslashes', () => {
    const sut = arrayLiteral(['DURAND', 'O"Brien', 'C:\\dir', '', 'NULL', 'a,b {c}', 'é\tà']);

    expect(sut).toBe('{"DURAND","O\\"Brien","C:\\\\dir","","NULL","a,b {c}","é\tà"}');
  });

  it('writes NULL, booleans as t/f and instants in ISO-8601 UTC', () => {
    expect(arrayLiteral([null, true, false, new Date(Date.UTC(2026, 10, 23, 10, 15, 0, 120))])).toBe('{NULL,t,f,"2026-11-23T10:15:00.120Z"}');
    expect(arrayLiteral([])).toBe('{}');
  });
});
