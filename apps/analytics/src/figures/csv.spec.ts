import { toCsv } from './csv';

describe(toCsv.name, () => {
  it('writes a header and quotes only the cells that need it', () => {
    const sut = toCsv([{ name: 'Créteil, Val-de-Marne', count: 3 }, { name: 'say "hi"', count: 0 }], ['name', 'count']);

    expect(sut).toBe('name,count\n"Créteil, Val-de-Marne",3\n"say ""hi""",0\n');
  });
});
