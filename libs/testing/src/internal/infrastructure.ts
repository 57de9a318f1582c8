import { mkdtempSync, rmSync } from 'node:fs';
import type { BrokerHandle } from '@dmp/embedded-kafka';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { registerWorkspaceAliases } from './workspace';

/** What the global setup started, kept for the teardown (same process). */
export interface TestInfrastructure {
  databaseUrl: string;
  kafkaBrokers: string;
  stop(): Promise<void>;
}

function log(message: string): void {
  process.stderr.write(`[dmp-testing] ${message}\n`);
}

async function startTestBroker(dataDir: string): Promise<BrokerHandle> {
  const { startBroker } = await import('@dmp/embedded-kafka');
  // 'os' durability: a test broker need not fsync before acknowledging (the run is thrown away).
  return startBroker({ host: '127.0.0.1', port: 0, dataDir, autoCreateTopics: true, durability: 'os', quiet: true });
}

/**
 * One PostgreSQL and one broker for the whole jest run. Either may be supplied from outside
 * (TEST_DATABASE_URL / TEST_KAFKA_BROKERS already set): then nothing is started for it.
 */
export async function startTestInfrastructure(): Promise<TestInfrastructure> {
  registerWorkspaceAliases();
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'dmp-test-'));
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => log(`stop failed: ${String(error)}`));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let databaseUrl = process.env['TEST_DATABASE_URL'];
    if (!databaseUrl) {
      const { startEmbeddedPostgres } = await import('@dmp/persistence');
      const postgres = await startEmbeddedPostgres({
        dataDir: join(dir, 'postgres'),
        port: await freePort(),
        unsafeFast: true,
      });
      stops.push(() => postgres.stop());
      databaseUrl = postgres.url;
    }
    let kafkaBrokers = process.env['TEST_KAFKA_BROKERS'];
    if (!kafkaBrokers) {
      const broker = await startTestBroker(join(dir, 'kafka'));
      stops.push(() => broker.stop());
      kafkaBrokers = broker.bootstrap;
    }
    log(`PostgreSQL and broker ready in ${Date.now() - started} ms`);
    return { databaseUrl, kafkaBrokers, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
