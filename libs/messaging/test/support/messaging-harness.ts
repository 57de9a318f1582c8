import { randomUUID } from 'node:crypto';
import {
  createEvent,
  EventEnvelope,
  HeartbeatEvent,
  HeartbeatPayload,
  Topics,
} from '@dmp/contracts';
import { createDataSourceOptions, runMigrations } from '@dmp/persistence';
import { Consumer, IHeaders, Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { messagingEntities, messagingMigrations, toKafkaJsConfig } from '@dmp/messaging';

/**
 * Test topics carry heartbeat events (a registered event with a small payload) under unique
 * names, so parallel test files on the shared broker never see each other's messages. Handlers
 * for them say `schemaTopic: TEST_SCHEMA_TOPIC`.
 */
export const TEST_SCHEMA_TOPIC = Topics.HEARTBEAT;

export function uniqueTopic(name: string): string {
  return `test.messaging.${name}.${randomUUID().slice(0, 8)}`;
}

/** An event whose payload's uptimeSeconds carries a sequence number, keyed by `key`. */
export function testEvent(sequence: number, key = 'patient-1'): EventEnvelope<HeartbeatPayload> {
  const payload = new HeartbeatPayload();
  payload.service = 'messaging-test';
  payload.instance = key;
  payload.version = '1';
  payload.startedAt = new Date().toISOString();
  payload.ready = true;
  payload.uptimeSeconds = sequence;
  return createEvent(HeartbeatEvent, payload, {
    producer: 'messaging-test',
    correlationId: `c-${sequence}`,
    key,
  });
}

/** A DataSource on a fresh database with the messaging migrations and a `test_effects` table. */
export async function openDatabase(url: string): Promise<DataSource> {
  const dataSource = new DataSource(
    createDataSourceOptions({
      url,
      entities: [...messagingEntities],
      migrations: [...messagingMigrations],
      serviceName: 'messaging-test',
      poolSize: 5,
    }),
  );
  await dataSource.initialize();
  await runMigrations(dataSource);
  // No unique constraint on purpose: a handler applied twice shows up as two rows.
  await dataSource.query(
    'CREATE TABLE IF NOT EXISTS test_effects (id bigserial PRIMARY KEY, event_id uuid NOT NULL, key text, seq int)',
  );
  return dataSource;
}

export function testKafka(
  brokers: string[],
  clientId = `messaging-test-${randomUUID().slice(0, 6)}`,
): Kafka {
  const config = toKafkaJsConfig({ brokers, clientId });
  return new Kafka({ ...config, logLevel: logLevel.WARN });
}

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** The heartbeat sequences read from a topic, per key, in the order they were read. */
export function sequencesByKey(messages: ReadMessage[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const m of messages) {
    const envelope = JSON.parse(m.value ?? '{}') as { payload: { uptimeSeconds: number } };
    const list = byKey.get(m.key ?? '') ?? [];
    list.push(envelope.payload.uptimeSeconds);
    byKey.set(m.key ?? '', list);
  }
  return byKey;
}

/**
 * Reads a topic from the beginning with a throw-away group, collecting every message, until
 * `stop()`. Tests wait on `messages` with waitFor.
 */
export async function topicReader(
  kafka: Kafka,
  topic: string,
): Promise<{ messages: ReadMessage[]; stop: () => Promise<void> }> {
  const messages: ReadMessage[] = [];
  const consumer: Consumer = kafka.consumer({
    groupId: `reader-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic: t, partition, message }) => {
      messages.push({
        topic: t,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: textHeaders(message.headers),
      });
    },
  });
  return {
    messages,
    stop: async () => {
      await consumer.disconnect();
    },
  };
}

export function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
  }
  return out;
}

export async function createTopics(kafka: Kafka, topics: string[], partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({ topic, numPartitions: partitions })),
    });
  } finally {
    await admin.disconnect();
  }
}

export async function effectCount(dataSource: DataSource): Promise<number> {
  const rows: Array<{ n: string }> = await dataSource.query(
    'SELECT count(*) AS n FROM test_effects',
  );
  return Number(rows[0].n);
}
