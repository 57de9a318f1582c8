import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** TEST_DATABASE_URL, or a clear error when the test is not in the `integration` jest project. */
export function testDatabaseUrl(): string {
  const url = process.env['TEST_DATABASE_URL'];
  if (!url) {
    throw new Error(
      'TEST_DATABASE_URL is not set: integration tests must be named *.integration-spec.ts or *.e2e-spec.ts ' +
        '(the jest `integration` project starts the embedded PostgreSQL)',
    );
  }
  return url;
}

/** TEST_KAFKA_BROKERS as a list, or a clear error when no broker runs. */
export function testKafkaBrokers(): string[] {
  const raw = process.env['TEST_KAFKA_BROKERS'];
  if (!raw) {
    throw new Error('TEST_KAFKA_BROKERS is not set: the global setup started no broker (is tools/embedded-kafka built?)');
  }
  return raw.split(',').map((broker) => broker.trim());
}

/**
 * Creates a fresh, empty database on the shared embedded PostgreSQL and returns its URL. The
 * name is `<prefix>_<random>` so parallel test files never collide; the whole cluster is thrown
 * away at the end of the run, so tests need not drop it.
 */
export async function createTestDatabase(prefix = 'test'): Promise<string> {
  const base = testDatabaseUrl();
  const safePrefix = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
  const name = `${safePrefix}_${randomBytes(5).toString('hex')}`;
  const client = new Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
