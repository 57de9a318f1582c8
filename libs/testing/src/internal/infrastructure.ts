import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { registerWorkspaceAliases, workspaceRoot } from './workspace';

/** What the global setup started, kept for the teardown (same process). */
export interface TestInfrastructure {
  databaseUrl: string;
  kafkaBrokers: string | undefined;
  stop(): Promise<void>;
}

interface BrokerHandle {
  bootstrap: string;
  stop(): Promise<void>;
}
type StartBroker = (options: Record<string, unknown>) => Promise<BrokerHandle>;

function log(message: string): void {
  process.stderr.write(`[dmp-testing] ${message}\n`);
}

async function startBrokerIfAvailable(dataDir: string): Promise<BrokerHandle | undefined> {
  const entry = join(workspaceRoot(), 'tools', 'embedded-kafka', 'src', 'index.ts');
  if (!existsSync(entry)) {
    log('tools/embedded-kafka is not there yet: no embedded broker, TEST_KAFKA_BROKERS stays unset');
    return undefined;
  }
  // Loaded by name at run time: the broker is a tool the test run needs, not a compile-time dependency.
  // INTEGRATION POINT: typed import once tools/embedded-kafka exports startBroker for good.
  const specifier = '@dmp/embedded-kafka';
  const module = (await import(specifier)) as { startBroker?: StartBroker };
  if (typeof module.startBroker !== 'function') {
    log('@dmp/embedded-kafka exports no startBroker yet: no embedded broker');
    return undefined;
  }
  return module.startBroker({ host: '127.0.0.1', port: 0, dataDir, autoCreateTopics: true });
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
      const broker = await startBrokerIfAvailable(join(dir, 'kafka'));
      if (broker) {
        stops.push(() => broker.stop());
        kafkaBrokers = broker.bootstrap;
      }
    }
    log(`PostgreSQL and broker ready in ${Date.now() - started} ms (broker: ${kafkaBrokers ?? 'none'})`);
    return { databaseUrl, kafkaBrokers, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
