import { Admin, Kafka, logLevel } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import { EventEnvelope } from '@dmp/contracts';
import {
  EventConsumer,
  HANDLE_EVENT_METADATA,
  HandleEventMetadata,
  KafkaPublisher,
  messagingEntities,
  RegisteredHandler,
  toKafkaJsConfig,
} from '@dmp/messaging';
import { createDataSourceOptions, runMigrations } from '@dmp/persistence';
import { ActivityEventsHandler } from '../activity/activity-events.handler';
import { analyticsEntities } from '../database/entities';
import { analyticsMigrations } from '../database/migrations';
import { EnrolmentEventsHandler } from '../records/enrolment-events.handler';

/** The tables the figures are built from: emptied by a rebuild, refilled by the replay. */
export const FIGURE_TABLES = [
  'record_facts',
  'document_facts',
  'document_counts',
  'member_months',
  'notification_facts',
  'notification_counts',
  'reimbursement_file_facts',
] as const;

export interface RebuildOptions {
  databaseUrl: string;
  brokers: string[];
  /** The service's consumer group, whose offsets the rebuild resets and then advances. */
  groupId?: string;
  clientId?: string;
  progressIntervalMs?: number;
  onProgress?(progress: RebuildProgress): void;
  /** Told when each step starts (empty tables, reset offsets, replay). */
  onStep?(step: string): void;
}

export interface RebuildProgress {
  /** Events handled so far (messages whose transaction committed). */
  handled: number;
  /** Messages on the topics when the rebuild started. */
  total: number;
  seconds: number;
  eventsPerSecond: number;
}

export interface RebuildResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  topics: number;
  cpuSeconds: number;
}

/** The figure handlers, as the service registers them (the same classes, the same code). */
export function figureHandlers(): RegisteredHandler[] {
  const handlers: RegisteredHandler[] = [];
  for (const instance of [new EnrolmentEventsHandler(), new ActivityEventsHandler()]) {
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = prototype[name];
      if (typeof method !== 'function') continue;
      const entries = (Reflect.getMetadata(HANDLE_EVENT_METADATA, method) as HandleEventMetadata[] | undefined) ?? [];
      for (const entry of entries) {
        const bound = (method as (input: EventEnvelope<unknown>[], manager: EntityManager) => Promise<void>).bind(instance);
        handlers.push({ topic: entry.topic, name: `${instance.constructor.name}.${name}`, batch: entry.batch, maxBatchSize: entry.maxBatchSize, schemaTopic: entry.schemaTopic, handle: bound as RegisteredHandler['handle'] });
      }
    }
  }
  return handlers;
}

export class RebuildError extends Error {}

/**
 * Rebuilds every figure from the topics: empties the figure tables and the group's inbox rows
 * of those topics, sets the service's consumer group back to the start of each topic, then
 * replays the topics through the service's own handlers until the offsets reach the end the
 * topics had when the rebuild started. The analytics service must be stopped (Kafka refuses to
 * move the offsets of a group with members); started again afterwards, it resumes where the
 * rebuild stopped.
 */
export async function rebuildAnalytics(options: RebuildOptions): Promise<RebuildResult> {
  const groupId = options.groupId ?? 'dmp-analytics';
  const cpuBefore = process.cpuUsage();
  const handlers = figureHandlers();
  const topics = [...new Set(handlers.map((h) => h.topic))];
  const kafka = new Kafka({ ...toKafkaJsConfig({ brokers: options.brokers, clientId: options.clientId ?? 'dmp-analytics-rebuild' }), logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  const dataSource = new DataSource(
    createDataSourceOptions({ url: options.databaseUrl, entities: [...analyticsEntities, ...messagingEntities], migrations: analyticsMigrations, serviceName: 'analytics-rebuild', poolSize: 6 }),
  );
  const publisher = new KafkaPublisher(kafka);
  let consumer: EventConsumer | null = null;
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const members = groups[0]?.members.length ?? 0;
    if (members > 0) throw new RebuildError(`consumer group ${groupId} has ${members} running member(s): stop the analytics service before a rebuild`);

    await dataSource.initialize();
    await runMigrations(dataSource);
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    const ends = await endOffsets(admin, present);
    const total = [...ends.values()].reduce((sum, p) => sum + p.reduce((s, o) => s + (o.high - o.low), 0), 0);

    options.onStep?.(`emptying ${FIGURE_TABLES.length} figure tables`);
    await dataSource.transaction(async (manager) => {
      await manager.query(`TRUNCATE ${FIGURE_TABLES.join(', ')}`);
      await manager.query('DELETE FROM inbox_events WHERE consumer_group = $1 AND topic = ANY($2::text[])', [groupId, topics]);
    });
    options.onStep?.(`setting group ${groupId} back to the start of ${present.length} topics`);
    await resetToEarliest(kafka, groupId, ends);
    options.onStep?.(`replaying ${total} events`);

    let handled = 0;
    const started = performance.now();
    consumer = new EventConsumer(kafka, dataSource, publisher, handlers, {
      serviceName: 'analytics',
      groupId,
      lagRefreshMs: 0,
      inboxPurgeIntervalMs: 0,
      partitionsConsumedConcurrently: 4,
      onHandled: (info) => void (handled += info.offsets.length),
    });
    await consumer.start();
    const progress = (): RebuildProgress => {
      const seconds = (performance.now() - started) / 1000;
      return { handled, total, seconds, eventsPerSecond: seconds > 0 ? handled / seconds : 0 };
    };
    let lastReport = performance.now();
    while (!(await reached(admin, groupId, ends))) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (options.onProgress && performance.now() - lastReport >= (options.progressIntervalMs ?? 2000)) {
        lastReport = performance.now();
        options.onProgress(progress());
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return { events: total, seconds, eventsPerSecond: seconds > 0 ? total / seconds : 0, topics: present.length, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    await consumer?.stop();
    await publisher.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

type Ends = Map<string, Array<{ partition: number; low: number; high: number }>>;

/**
 * Commits the group's offsets at the start of every topic, in one group membership. (kafkajs'
 * admin.resetOffsets does the same one topic at a time, each waiting for a 5-second fetch.) As
 * there, the consumer joins with every topic paused, seeks each partition (kafkajs commits a
 * seek), and leaves after its first fetch.
 */
async function resetToEarliest(kafka: Kafka, groupId: string, ends: Ends): Promise<void> {
  const topics = [...ends.keys()];
  if (topics.length === 0) return;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => void consumer.stop().then(resolve, reject));
      consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
      consumer.pause(topics.map((topic) => ({ topic })));
      for (const [topic, partitions] of ends) for (const p of partitions) consumer.seek({ topic, partition: p.partition, offset: String(p.low) });
    });
  } finally {
    await consumer.disconnect();
  }
}

async function endOffsets(admin: Admin, topics: string[]): Promise<Ends> {
  const ends: Ends = new Map();
  for (const topic of topics) {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends.set(topic, offsets.map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) })));
  }
  return ends;
}

/** Whether the group's committed offsets reached the ends the topics had when the rebuild started. */
async function reached(admin: Admin, groupId: string, ends: Ends): Promise<boolean> {
  if (ends.size === 0) return true;
  const committed = await admin.fetchOffsets({ groupId, topics: [...ends.keys()] });
  for (const { topic, partitions } of committed) {
    for (const end of ends.get(topic) ?? []) {
      if (end.high <= end.low) continue;
      const at = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? '-1');
      if (at < end.high) return false;
    }
  }
  return true;
}
