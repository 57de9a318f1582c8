import { arrayLiteral } from './record-rows';

describe(arrayLiteral.name, () => {
  it('writes the array literal node-pg would send for text (every element quoted, quotes and backslashes escaped)', () => {
    const values = ['DURAND', 'O"Brien', 'C:\\dir', '', 'NULL', 'a,b {c}', 'é\tà'];

    const sut = arrayLiteral(values);

    expect(sut).toBe('{"DURAND","O\\"Brien","C:\\\\dir","","NULL","a,b {c}","é\tà"}');
  });

  it('writes NULL, booleans as t/f and instants in ISO-8601 UTC', () => {
    expect(arrayLiteral([null, true, false, new Date(Date.UTC(2026, 10, 23, 10, 15, 0, 120))])).toBe('{NULL,t,f,"2026-11-23T10:15:00.120Z"}');
    expect(arrayLiteral([])).toBe('{}');
  });
});
