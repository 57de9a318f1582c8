import { DataSource } from 'typeorm';
import { findSchemaDrift, findTimestampsWithoutTimeZone } from '@dmp/persistence';
import { aReimbursementsDatabase } from './support/reimbursements-database';

describe('reimbursements schema', () => {
  let sut: DataSource;

  beforeAll(async () => {
    ({ dataSource: sut } = await aReimbursementsDatabase('reimbursements_schema'));
  });

  afterAll(async () => {
    await sut?.destroy();
  });

  it('matches the entities after the migrations ran', async () => {
    // Outbox and inbox tables included: the service's schema is checked whole.
    const drift = await findSchemaDrift(sut);

    expect(drift).toEqual([]);
  });

  it('stores every instant as timestamptz', () => {
    expect(findTimestampsWithoutTimeZone(sut)).toEqual([]);
  });

  it('partitions the lines through the line id (quarters since QuarterlyPartitions), with one unique key (ins, line_id) and a BRIN index on the line id', async () => {
    const [table] = (await sut.query(
      `SELECT pg_get_partkeydef('reimbursement_lines'::regclass) AS key`,
    )) as { key: string }[];
    const indexes = (await sut.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'reimbursement_lines' ORDER BY indexname`,
    )) as { indexname: string; indexdef: string }[];

    expect(table.key).toBe('RANGE (line_id)');
    expect(indexes.map((i) => i.indexdef.replace(/ ON (ONLY )?public\./, ' ON '))).toEqual([
      'CREATE UNIQUE INDEX reimbursement_lines_ins_line_id_key ON reimbursement_lines USING btree (ins, line_id)',
      "CREATE INDEX reimbursement_lines_line_id_brin ON reimbursement_lines USING brin (line_id) WITH (pages_per_range='16')",
    ]);
  });
});
