import { DataSource } from 'typeorm';
import { createDataSourceOptions, runMigrations } from '@dmp/persistence';
import { createTestDatabase } from '@dmp/testing';
import { reimbursementsEntities } from '../src/database/entities';
import { reimbursementsMigrations } from '../src/database/migrations';
import { QuarterlyPartitions1764300000000 } from '../src/database/migrations/1764300000000-quarterly-partitions';

const FACTOR = 10_000_000_000;

async function dataSourceWith(url: string, migrations: unknown[]): Promise<DataSource> {
  const dataSource = new DataSource(
    createDataSourceOptions({
      url,
      entities: reimbursementsEntities,
      migrations: migrations as never,
      serviceName: 'reimbursements',
      poolSize: 2,
    }),
  );
  await dataSource.initialize();
  return dataSource;
}

async function partitionsOf(dataSource: DataSource): Promise<string[]> {
  const rows = (await dataSource.query(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'reimbursement_lines'::regclass ORDER BY 1`,
  )) as { name: string }[];
  return rows.map((r) => r.name);
}

async function linesOf(dataSource: DataSource): Promise<string[]> {
  const rows = (await dataSource.query(
    `SELECT line_id || ' ' || ins || ' ' || care_date AS line FROM reimbursement_lines ORDER BY line_id`,
  )) as { line: string }[];
  return rows.map((r) => r.line);
}

describe(QuarterlyPartitions1764300000000.name, () => {
  let url: string;
  let before: DataSource;

  beforeAll(async () => {
    url = await createTestDatabase('reimbursements_quarters');
    // The schema as it was: every migration but this one, lines in monthly partitions.
    before = await dataSourceWith(
      url,
      reimbursementsMigrations.filter((m) => m !== QuarterlyPartitions1764300000000),
    );
    await runMigrations(before);
    for (const [month, next] of [
      [202511, 202512],
      [202512, 202601],
      [202601, 202602],
    ]) {
      await before.query(
        `CREATE TABLE reimbursement_lines_m${month} PARTITION OF reimbursement_lines
         FOR VALUES FROM (${month * FACTOR}) TO (${next * FACTOR})`,
      );
    }
    // Two patients, lines of three months across a year end, inserted in no patient order.
    await before.query(
      `INSERT INTO reimbursement_lines
       SELECT m * ${FACTOR} + s, CASE WHEN s % 2 = 0 THEN '155012912316109' ELSE '284037512345678' END,
              make_date(m / 100, m % 100, 1 + s), 'NGAP', 'G', 'Consultation', 1, NULL, '10000000006', 3000, 2100
         FROM unnest(ARRAY[202511, 202512, 202601]) m, generate_series(1, 6) s`,
    );
  }, 90_000);

  afterAll(async () => {
    await before?.destroy();
  });

  it('moves the lines of monthly partitions into quarterly ones, sorted by patient, and back down', async () => {
    const lines = await linesOf(before);
    const sut = await dataSourceWith(url, reimbursementsMigrations);
    try {
      await runMigrations(sut);

      expect(await partitionsOf(sut)).toEqual([
        'reimbursement_lines_2025q4',
        'reimbursement_lines_2026q1',
      ]);
      expect(await linesOf(sut)).toEqual(lines);
      const heapOrder = (await sut.query(
        `SELECT ins FROM reimbursement_lines_2025q4 ORDER BY ctid`,
      )) as { ins: string }[];
      expect(heapOrder.map((r) => r.ins)).toEqual([...heapOrder.map((r) => r.ins)].sort());
      // The unique key still refuses a line stored twice for the same patient.
      await expect(
        sut.query(
          `INSERT INTO reimbursement_lines SELECT * FROM reimbursement_lines WHERE line_id = $1`,
          [202512 * FACTOR + 2],
        ),
      ).rejects.toThrow(/reimbursement_lines_2025q4_ins_line_id_idx|duplicate key/);

      await sut.undoLastMigration({ transaction: 'each' });

      expect(await partitionsOf(sut)).toEqual([
        'reimbursement_lines_m202510',
        'reimbursement_lines_m202511',
        'reimbursement_lines_m202512',
        'reimbursement_lines_m202601',
        'reimbursement_lines_m202602',
        'reimbursement_lines_m202603',
      ]);
      expect(await linesOf(sut)).toEqual(lines);
    } finally {
      await sut.destroy();
    }
  });
});
