import { BulkFileError, BulkRow, readBulkRows, splitCsvLine } from './bulk-row-reader';

async function collect(chunks: string[], format: 'csv' | 'ndjson'): Promise<BulkRow[]> {
  const rows: BulkRow[] = [];
  for await (const batch of readBulkRows(
    (async function* () {
      for (const c of chunks) yield Buffer.from(c);
    })(),
    format,
  )) {
    rows.push(...batch);
  }
  return rows;
}

describe(readBulkRows.name, () => {
  it('reads NDJSON lines split across chunks, numbering lines as in the file and skipping blank ones', async () => {
    const rows = await collect(['{"ins":"1"}\n\n{"in', 's":"2"}\r\n{"ins":"3"}'], 'ndjson');
    expect(rows).toEqual([
      { line: 1, body: { ins: '1' } },
      { line: 3, body: { ins: '2' } },
      { line: 4, body: { ins: '3' } },
    ]);
  });

  it('reports a line that is not JSON, or not an object, without stopping the file', async () => {
    const rows = await collect(['{bad\n[1]\n{"ins":"x"}\n'], 'ndjson');
    expect(rows[0]).toMatchObject({ line: 1, errors: [{ field: '(row)' }] });
    expect(rows[1]).toMatchObject({ line: 2, errors: [{ field: '(row)', reason: 'must be a JSON object' }] });
    expect(rows[2]).toEqual({ line: 3, body: { ins: 'x' } });
  });

  it('maps CSV columns to the opening body, leaving empty cells absent', async () => {
    const rows = await collect(
      [
        'ins;familyName;givenNames;birthDate;cpamCode;email;emergencyAccess;consentAt;legalRepresentatives\n',
        '184127510812345;MARTIN;"Jeanne; Marie";1984-12-03;751;;non;2026-01-01T00:00:00Z;279057510812366:guardian|180017510812399\n',
      ],
      'csv',
    );
    expect(rows).toEqual([
      {
        line: 2,
        body: {
          ins: '184127510812345',
          familyName: 'MARTIN',
          givenNames: 'Jeanne; Marie',
          birthDate: '1984-12-03',
          cpamCode: '751',
          emergencyAccess: false,
          consent: { at: '2026-01-01T00:00:00Z' },
          legalRepresentatives: [{ ins: '279057510812366', relationship: 'guardian' }, { ins: '180017510812399' }],
        },
      },
    ]);
  });

  it('rejects a CSV row whose cell count differs from the header, keeping its INS for the result file', async () => {
    const rows = await collect(['ins,familyName,givenNames,birthDate,cpamCode,consentAt\n184127510812345,MARTIN\n'], 'csv');
    expect(rows).toEqual([{ line: 2, ins: '184127510812345', errors: [{ field: '(row)', reason: 'has 2 cells, the header has 6' }] }]);
  });

  it('refuses a CSV header with an unknown or a missing column', async () => {
    await expect(collect(['ins,name\n'], 'csv')).rejects.toThrow(new BulkFileError('unknown CSV column(s) name; the columns are ins, familyName, givenNames, birthDate, cpamCode, email, mobile, emergencyAccess, samuAccess, consentAt, consentGivenBy, consentPlace, legalRepresentatives'));
    await expect(collect(['ins,familyName\n'], 'csv')).rejects.toThrow('missing CSV column(s) givenNames, birthDate, cpamCode, consentAt');
  });
});

describe(splitCsvLine.name, () => {
  it('handles quotes, doubled quotes and empty trailing cells', () => {
    expect(splitCsvLine('a,"b,c","d""e",', ',')).toEqual(['a', 'b,c', 'd"e', '']);
  });

  it('refuses an unterminated quote', () => {
    expect(() => splitCsvLine('a,"b', ',')).toThrow('unterminated quoted field');
  });
});
