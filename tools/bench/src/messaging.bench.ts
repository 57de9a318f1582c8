// Benchmark of @dmp/messaging's consuming path as the analytics service uses it: a batch
// handler (`@HandleEvent(topic, { batch: true })`) that aggregates events into counters, behind
// parseEvent validation and the inbox (one multi-row insert per batch, same transaction).
// Baseline in the same run: a bare kafkajs eachBatch consumer that only JSON-parses the same
// messages (no validation, no database), i.e. what reading from this broker costs at all.
// Also: the outbox relay's publish rate against the same rows sent with a bare producer.
// Embedded PostgreSQL and the embedded broker (as a child process) are started by the bench.
// Run: npm run bench:messaging   (BENCH_EVENTS=50000 for a shorter run)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEvent,
  EventEnvelope,
  RecordOpenedEvent,
  RecordOpenedPayload,
  Topics,
} from '@dmp/contracts';
import { ActorRole, generateFiness, generateIns, OpeningChannel, seededRandom } from '@dmp/domain';
import {
  createDataSourceOptions,
  ensureDatabase,
  runMigrations,
  startEmbeddedPostgres,
  withDatabase,
} from '@dmp/persistence';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import {
  appendToOutbox,
  EventConsumer,
  findOutboxBacklog,
  KafkaPublisher,
  messagingEntities,
  messagingMigrations,
  OutboxRelay,
  toKafkaJsConfig,
} from '@dmp/messaging';
import { round, startBrokerProcess } from './support/processes';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 100_000);
const RELAY_EVENTS = Math.min(EVENTS, 30_000);
const PARTITIONS = 3;

function recordOpened(random: () => number, i: number): EventEnvelope<RecordOpenedPayload> {
  const ins = generateIns(random);
  const at = new Date(Date.UTC(2019, 0, 1) + i * 1000).toISOString();
  const payload = Object.assign(new RecordOpenedPayload(), {
    ins,
    channel: OpeningChannel.PHARMACY,
    cpamCode: ['751', '131', '691'][i % 3],
    openingActor: { role: ActorRole.PHARMACY, id: generateFiness(random) },
    openedAt: at,
    consent: { by: { role: ActorRole.PATIENT, id: ins }, where: 'pharmacy', at },
    emergency: { emergencyAccess: true, samuRegulationAccess: true },
    contacts: { email: 'patient@example.fr' },
    isMinor: false,
    legalRepresentatives: [],
  }) as RecordOpenedPayload;
  return createEvent(RecordOpenedEvent, payload, {
    producer: 'bench',
    correlationId: `bench-${i}`,
  });
}

async function produce(
  publisher: KafkaPublisher,
  topic: string,
  events: EventEnvelope<unknown>[],
): Promise<void> {
  for (let i = 0; i < events.length; i += 2000)
    await publisher.publishEvents(events.slice(i, i + 2000), topic);
}

/** Bare kafkajs: read and JSON.parse every message; wall and CPU seconds to read `count`. */
async function bareConsume(
  kafka: Kafka,
  topic: string,
  count: number,
): Promise<{ seconds: number; cpuSeconds: number }> {
  const consumer = kafka.consumer({ groupId: `bench-bare-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let started = 0;
  const cpuBefore = process.cpuUsage();
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (started === 0) started = performance.now();
        for (const message of batch.messages) JSON.parse(message.value?.toString() ?? 'null');
        seen += batch.messages.length;
        if (seen >= count) resolve((performance.now() - started) / 1000);
      },
    });
  });
  const seconds = await done;
  const cpu = process.cpuUsage(cpuBefore);
  await consumer.disconnect();
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'dmp-bench-messaging-'));
  const postgres = await startEmbeddedPostgres({
    dataDir: join(workDir, 'pg'),
    port: 20000 + Math.floor(Math.random() * 20000),
    unsafeFast: true,
  });
  const broker = await startBrokerProcess(join(workDir, 'kafka'));
  try {
    const url = withDatabase(postgres.url, 'bench_messaging');
    await ensureDatabase(url);
    const dataSource = new DataSource(
      createDataSourceOptions({
        url,
        entities: messagingEntities,
        migrations: messagingMigrations,
        serviceName: 'bench',
        poolSize: 10,
      }),
    );
    await dataSource.initialize();
    await runMigrations(dataSource);
    await dataSource.query(
      'CREATE TABLE coverage (cpam_code text PRIMARY KEY, opened bigint NOT NULL)',
    );
    const kafka = new Kafka({
      ...toKafkaJsConfig({ brokers: [broker.bootstrap], clientId: 'bench' }),
      logLevel: logLevel.ERROR,
    });
    const publisher = new KafkaPublisher(kafka);
    const admin = kafka.admin();
    await admin.connect();
    const topic = `bench.record-opened.${randomUUID().slice(0, 8)}`;
    const relayTopic = `${topic}.relay`;
    const bareRelayTopic = `${topic}.bare`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [topic, relayTopic, bareRelayTopic, Topics.DEAD_LETTER].map((t) => ({
        topic: t,
        numPartitions: PARTITIONS,
      })),
    });
    await admin.disconnect();

    const random = seededRandom(2019);
    const events = Array.from({ length: EVENTS }, (_, i) => recordOpened(random, i));
    console.log(`producing ${EVENTS} record-opened events to ${PARTITIONS} partitions...`);
    await produce(publisher, topic, events);

    const bare = await bareConsume(kafka, topic, EVENTS);
    const bareRate = EVENTS / bare.seconds;
    const barePerCpu = EVENTS / bare.cpuSeconds;
    console.log(
      `baseline, bare kafkajs read + JSON.parse: ${round(bareRate)} events/s, ${round(barePerCpu)} per CPU-second`,
    );

    // The analytics-style consumer: validation, inbox, one aggregate upsert per batch.
    let handled = 0;
    let started = 0;
    let finished = 0;
    const sut = new EventConsumer(
      kafka,
      dataSource,
      publisher,
      [
        {
          topic,
          name: 'bench.aggregate',
          batch: true,
          maxBatchSize: 1000,
          schemaTopic: Topics.RECORD_OPENED,
          handle: async (input, manager: EntityManager) => {
            const envelopes = input as EventEnvelope<RecordOpenedPayload>[];
            if (started === 0) started = performance.now();
            const byCpam = new Map<string, number>();
            for (const e of envelopes)
              byCpam.set(e.payload.cpamCode, (byCpam.get(e.payload.cpamCode) ?? 0) + 1);
            await manager.query(
              `INSERT INTO coverage (cpam_code, opened) SELECT * FROM unnest($1::text[], $2::bigint[])
               ON CONFLICT (cpam_code) DO UPDATE SET opened = coverage.opened + EXCLUDED.opened`,
              [[...byCpam.keys()], [...byCpam.values()]],
            );
            handled += envelopes.length;
            if (handled >= EVENTS) finished = performance.now();
          },
        },
      ],
      {
        serviceName: 'bench',
        groupId: `bench-${randomUUID()}`,
        lagRefreshMs: 0,
        partitionsConsumedConcurrently: PARTITIONS,
      },
    );
    const cpuBefore = process.cpuUsage();
    await sut.start();
    while (finished === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const cpu = process.cpuUsage(cpuBefore);
    await sut.stop();
    const seconds = (finished - started) / 1000;
    const rate = EVENTS / seconds;
    const perCpu = EVENTS / ((cpu.user + cpu.system) / 1e6);
    const opened = Number((await dataSource.query('SELECT sum(opened) AS n FROM coverage'))[0].n);
    if (opened !== EVENTS)
      throw new Error(`aggregate counted ${opened} events, expected ${EVENTS}`);
    console.log(
      `@dmp/messaging batch consumer (validate + inbox + aggregate): ${round(rate)} events/s ` +
        `${round(perCpu)} per CPU-second of this process, ${round(perCpu / barePerCpu, 3)} of the bare read per CPU-second`,
    );

    // Relay: rows appended in transactions, published by the relay, vs a bare producer of the same rows.
    const relayEvents = events.slice(0, RELAY_EVENTS);
    const bareStart = performance.now();
    await produce(publisher, bareRelayTopic, relayEvents);
    const bareProduceRate = RELAY_EVENTS / ((performance.now() - bareStart) / 1000);
    for (let i = 0; i < relayEvents.length; i += 1000) {
      await dataSource.transaction((manager) =>
        appendToOutbox(manager, relayEvents.slice(i, i + 1000), relayTopic),
      );
    }
    const relay = new OutboxRelay(dataSource, publisher, {
      serviceName: 'bench',
      batchSize: 1000,
      retentionMs: 0,
    });
    const relayStart = performance.now();
    relay.start();
    while ((await findOutboxBacklog(dataSource)) > 0)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const relayRate = RELAY_EVENTS / ((performance.now() - relayStart) / 1000);
    await relay.stop();
    console.log(
      `outbox relay: ${round(relayRate)} events/s; baseline bare producer: ${round(bareProduceRate)} events/s`,
    );

    await publisher.disconnect();
    await dataSource.destroy();
    console.log(
      JSON.stringify({
        bench: 'messaging',
        events: EVENTS,
        partitions: PARTITIONS,
        batch_consumer_events_per_s: round(rate),
        batch_consumer_events_per_cpu_s: round(perCpu),
        baseline_bare_read_events_per_s: round(bareRate),
        baseline_bare_read_events_per_cpu_s: round(barePerCpu),
        baseline_ratio: round(perCpu / barePerCpu, 3),
        relay_events_per_s: round(relayRate),
        baseline_bare_produce_events_per_s: round(bareProduceRate),
        relay_ratio: round(relayRate / bareProduceRate, 3),
        target_events_per_s: 20_000,
        load_average_1m: round(loadavg()[0], 2),
      }),
    );
  } finally {
    broker.child.kill('SIGTERM');
    await postgres.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
