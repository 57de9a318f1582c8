import { Client } from 'pg';
import { createTestDatabase } from '../src';

describe(createTestDatabase.name, () => {
  it('creates a fresh empty database on the shared embedded PostgreSQL', async () => {
    const url = await createTestDatabase('testing_lib');

    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const tables = await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
      const database = await client.query('SELECT current_database() AS name');
      expect(tables.rows[0].n).toBe(0);
      expect(database.rows[0].name).toMatch(/^testing_lib_[0-9a-f]{10}$/);
    } finally {
      await client.end();
    }
  });

  it('gives each call its own database', async () => {
    const [first, second] = await Promise.all([createTestDatabase('twice'), createTestDatabase('twice')]);

    expect(first).not.toBe(second);
  });
});
