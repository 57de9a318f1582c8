import { DataSource } from 'typeorm';
import { createDataSourceOptions, runMigrations } from '@dmp/persistence';
import { createTestDatabase } from '@dmp/testing';
import { reimbursementsEntities } from '../../src/database/entities';
import { reimbursementsMigrations } from '../../src/database/migrations';

/** A fresh database with the service's migrations applied. */
export async function aReimbursementsDatabase(
  prefix = 'reimbursements',
): Promise<{ url: string; dataSource: DataSource }> {
  const url = await createTestDatabase(prefix);
  const dataSource = new DataSource(
    createDataSourceOptions({
      url,
      entities: reimbursementsEntities,
      migrations: reimbursementsMigrations,
      serviceName: 'reimbursements',
      poolSize: 6,
    }),
  );
  await dataSource.initialize();
  await runMigrations(dataSource);
  return { url, dataSource };
}

export async function openRecords(dataSource: DataSource, ins: string[]): Promise<void> {
  await dataSource.query(
    `INSERT INTO reimbursement_open_records (ins, is_open, opened_at, last_event_at) SELECT unnest($1::text[]), true, now(), now() ON CONFLICT (ins) DO NOTHING`,
    [ins],
  );
}

export async function countLines(
  dataSource: DataSource,
  where = 'true',
  params: unknown[] = [],
): Promise<number> {
  const [row] = (await dataSource.query(
    `SELECT count(*)::int AS n FROM reimbursement_lines WHERE ${where}`,
    params,
  )) as { n: number }[];
  return row.n;
}

export async function outboxEvents(
  dataSource: DataSource,
  topic: string,
): Promise<{ key: string; payload: { payload: Record<string, unknown> } }[]> {
  return (await dataSource.query(
    'SELECT key, payload FROM outbox_messages WHERE topic = $1 ORDER BY id, position',
    [topic],
  )) as { key: string; payload: { payload: Record<string, unknown> } }[];
}
