import { Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { BrokerHandle, BrokerOptions, startBroker } from '@dmp/embedded-kafka';
import { makeTempDir } from './temp-dir';


export interface TestBroker {
  broker: BrokerHandle;
  dataDir: string;
  bootstrap: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

/** An in-process broker on a free port with its own data directory, removed on stop. */
export async function startTestBroker(prefix: string, options: BrokerOptions = {}): Promise<TestBroker> {
  const dir = makeTempDir(prefix);
  const broker = await startBroker({ host: '127.0.0.1', port: 0, dataDir: dir.path, defaultPartitions: 1, quiet: true, ...options });
  return {
    broker,
    dataDir: dir.path,
    bootstrap: broker.bootstrap,
    host: broker.host,
    port: broker.port,
    async stop() {
      await broker.stop();
      dir.remove();
    },
  };
}

/** kafkajs tuned for tests: quiet, quick retries, short heartbeats so rebalances are seen fast. */
export function kafkaFor(bootstrap: string, clientId: string, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 15_000,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1_000 },
    ...extra,
  });
}

let counter = 0;
/** Unique, readable topic and group names so tests sharing a broker never collide. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}
