import type { DataSource, Migration } from 'typeorm';

/**
 * Runs the pending migrations, each in its own transaction. Several instances of a service may
 * boot at once: a PostgreSQL advisory lock (keyed by the migrations table) makes them take turns,
 * so the second one finds nothing left to do instead of failing on "relation already exists".
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATION_LOCK]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
  }
}

const MIGRATION_LOCK = 'dmp:typeorm_migrations';
