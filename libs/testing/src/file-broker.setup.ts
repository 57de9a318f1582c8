import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerHandle } from '@dmp/embedded-kafka';

/**
 * Jest setup file of the `integration` project: each test file gets a broker of its own,
 * in-process, for its duration. Topic names are fixed (they are the services' contract) and so
 * are the consumer groups (`dmp-<service>`): on one broker shared by the whole run, a test app
 * would first replay every other file's events (consumers start from the beginning) and two
 * files' apps would split one group's partitions between them. PostgreSQL stays shared, with a
 * database per file. TEST_SHARED_BROKER=1 keeps the run's shared broker instead.
 */
if (process.env['TEST_SHARED_BROKER'] !== '1') {
  let broker: BrokerHandle | undefined;
  let dataDir: string | undefined;
  const shared = process.env['TEST_KAFKA_BROKERS'];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dmp-file-broker-'));
    const { startBroker } = await import('@dmp/embedded-kafka');
    broker = await startBroker({ host: '127.0.0.1', port: 0, dataDir, autoCreateTopics: true, durability: 'os', quiet: true });
    process.env['TEST_KAFKA_BROKERS'] = broker.bootstrap;
  });

  afterAll(async () => {
    await broker?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    process.env['TEST_KAFKA_BROKERS'] = shared;
  });
}
