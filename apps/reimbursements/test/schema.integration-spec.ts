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

  it('partitions the lines by month through the line id, with the primary key on the line id alone', async () => {
    const [table] = (await sut.query(
      `SELECT pg_get_partkeydef('reimbursement_lines'::regclass) AS key`,
    )) as { key: string }[];
    const [pk] = (await sut.query(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'PK_reimbursement_lines'`,
    )) as { def: string }[];

    expect(table.key).toBe('RANGE (line_id)');
    expect(pk.def).toBe('PRIMARY KEY (line_id)');
  });
});
