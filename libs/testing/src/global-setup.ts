import { startTestInfrastructure, type TestInfrastructure } from './internal/infrastructure';

declare global {
  // Jest hands globals set in globalSetup to globalTeardown (same process).
  var __DMP_TEST_INFRASTRUCTURE__: TestInfrastructure | undefined;
}

/**
 * Jest global setup of the `integration` project: starts one embedded PostgreSQL and one
 * embedded broker for the whole run and publishes their addresses as TEST_DATABASE_URL and
 * TEST_KAFKA_BROKERS (test workers are forked afterwards and inherit them).
 */
export default async function globalSetup(): Promise<void> {
  const infrastructure = await startTestInfrastructure();
  globalThis.__DMP_TEST_INFRASTRUCTURE__ = infrastructure;
  process.env['TEST_DATABASE_URL'] = infrastructure.databaseUrl;
  if (infrastructure.kafkaBrokers) process.env['TEST_KAFKA_BROKERS'] = infrastructure.kafkaBrokers;
}
