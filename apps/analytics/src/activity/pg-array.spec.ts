import { seededRandom } from '@dmp/domain';
import { pgArray } from './pg-array';

// node-postgres's own serialisation of a parameter (not in its type declarations).
const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): unknown };

describe(pgArray.name, () => {
  it('writes the text node-postgres writes for the same array', () => {
    const random = seededRandom(8);
    const alphabet = ['a', 'Z', '0', ' ', ',', '{', '}', '"', '\\', "'", 'é', '\u{1F600}', 'N', 'U', 'L', '\n', '\t'];
    const values: (string | number | null)[] = ['', 'NULL', 'null', '\\"', '"\\', 0, -1, 1.5, 1e21, 123456789012345, null];
    for (let i = 0; i < 2_000; i++) {
      const length = Math.floor(random() * 12);
      values.push(Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
    }
    for (let start = 0; start < values.length; start += 37) {
      const slice = values.slice(start, start + 37);
      expect(pgArray(slice, (v) => v)).toBe(prepareValue(slice));
    }
    expect(pgArray([], (v: string) => v)).toBe(prepareValue([]));
    expect(pgArray([{ id: 'a"b' }, { id: undefined }], (r) => r.id)).toBe('{"a\\"b",NULL}');
  });
});
