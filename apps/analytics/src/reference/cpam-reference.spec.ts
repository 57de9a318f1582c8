import { coverageTable, CpamReferenceError, loadCpamReference, parseCpamReference } from './cpam-reference';

describe('CPAM reference and coverage', () => {
  it('loads the nine pilot CPAM with their covered population', () => {
    const sut = loadCpamReference();

    expect(sut).toHaveLength(9);
    expect(sut.reduce((sum, office) => sum + office.coveredPopulation, 0)).toBe(5_291_685);
  });

  it('gives the pilot table of seed 002 to one decimal place', () => {
    const open = new Map([
      ['941', 146_683], ['311', 121_685], ['671', 158_175], ['801', 117_370], ['371', 57_919],
      ['631', 49_785], ['221', 50_971], ['251', 64_343], ['642', 44_751],
    ]);

    const sut = coverageTable(loadCpamReference(), open);

    const rate = (code: string): number | undefined => sut.find((r) => r.cpamCode === code)?.coverageRate;
    expect(rate('941')).toBe(17.6);
    expect(rate('311')).toBe(12.1);
    expect(rate('801')).toBe(22.9);
    expect(rate('631')).toBe(10.3);
    // The deck prints a total of 811,511, but its nine rows add up to 811,682 (its "before the
    // pilot" column is off by the same 171). Both give 15.3 %; we count the rows.
    expect(sut.at(-1)).toMatchObject({ cpamCode: 'TOTAL', openRecords: 811_682, coverageRate: 15.3 });
  });

  it.each([
    ['a bad header', 'code,name\n941,x,1', 'line 1: the header'],
    ['a bad code', 'cpam_code,name,covered_population\n94,x,1', 'line 2: cpam_code'],
    ['a missing field', 'cpam_code,name,covered_population\n941,x', 'line 2: expected 3 fields'],
    ['a bad population', 'cpam_code,name,covered_population\n941,x,-3', 'line 2: covered_population'],
    ['a duplicate office', 'cpam_code,name,covered_population\n941,x,1\n941,y,2', 'line 3: cpam_code 941 appears twice'],
  ])('refuses a file with %s, naming the line', (_case, csv, message) => {
    expect(() => parseCpamReference(csv)).toThrow(CpamReferenceError);
    expect(() => parseCpamReference(csv)).toThrow(message);
  });
});
