import { createTestDatabase, testKafkaBrokers, waitFor } from '@dmp/testing';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  OutboxRelay,
  OutboxRelayOptions,
  OutboxService,
  RelayReporter,
  WorkerThreadOutboxRelay,
  findOutboxBacklog,
} from '@dmp/messaging';
import {
  createTopics,
  openDatabase,
  sequencesByKey,
  ReadMessage,
  testEvent,
  testKafka,
  topicReader,
  uniqueTopic,
} from './support/messaging-harness';

/** What the worker reported, as the main thread received it. */
function recordingReporter() {
  const published = new Map<string, number>();
  const failures: Array<string | null> = [];
  const leadership: boolean[] = [];
  const reporter: RelayReporter = {
    published: (topic, count) => published.set(topic, (published.get(topic) ?? 0) + count),
    backlog: () => undefined,
    leader: (leader) => {
      if (leadership[leadership.length - 1] !== leader) leadership.push(leader);
    },
    failure: (error) => failures.push(error),
  };
  return { reporter, published, failures, leadership };
}

describe(WorkerThreadOutboxRelay.name, () => {
  let kafka: Kafka;
  let dataSource: DataSource;
  const relays: OutboxRelay[] = [];
  const readers: Array<{ stop: () => Promise<void> }> = [];
  const outbox = new OutboxService();

  beforeEach(async () => {
    kafka = testKafka(testKafkaBrokers());
    dataSource = await openDatabase(await createTestDatabase('messaging_relay_worker'));
  });

  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.stop();
    for (const reader of readers.splice(0)) await reader.stop();
    await dataSource.destroy();
  });

  const options = (overrides: Partial<OutboxRelayOptions> = {}): OutboxRelayOptions => ({
    serviceName: 'relay-worker-test',
    pollIntervalMs: 200,
    leaderRetryMs: 100,
    errorBackoffMs: 50,
    batchSize: 7,
    directProduce: true,
    brokers: testKafkaBrokers(),
    worker: true,
    ...overrides,
  });

  function workerRelay(overrides: Partial<OutboxRelayOptions> = {}, reporter?: RelayReporter): WorkerThreadOutboxRelay {
    const sut = new WorkerThreadOutboxRelay(dataSource, null, options(overrides), reporter ? { reporter } : {});
    relays.push(sut);
    return sut;
  }

  async function read(topic: string): Promise<ReadMessage[]> {
    const reader = await topicReader(kafka, topic);
    readers.push(reader);
    return reader.messages;
  }

  it('publishes rows and bundles from its thread in order per key, and reports the counts to the main thread', async () => {
    const topic = uniqueTopic('worker-order');
    await createTopics(kafka, [topic], 3);
    const events = Array.from({ length: 60 }, (_, i) => testEvent(i, `patient-${i % 4}`));
    await dataSource.transaction(async (manager) => {
      await outbox.append(manager, events.slice(0, 10), topic);
      await outbox.appendBundle(manager, events.slice(10, 50), topic);
      await outbox.append(manager, events.slice(50), topic);
    });
    const { reporter, published } = recordingReporter();
    const sut = workerRelay({}, reporter);
    sut.start();
    const messages = await read(topic);

    await waitFor(() => messages.length >= 60, { timeoutMs: 20_000, message: '60 messages on the topic' });
    await waitFor(async () => (await findOutboxBacklog(dataSource)) === 0, { timeoutMs: 20_000, message: 'outbox marked published' });

    expect(messages).toHaveLength(60);
    for (const key of ['patient-0', 'patient-1', 'patient-2', 'patient-3']) {
      expect(sequencesByKey(messages).get(key)).toEqual(events.filter((e) => e.key === key).map((e) => e.payload.uptimeSeconds));
    }
    expect(messages.find((m) => m.key === 'patient-1')?.headers).toMatchObject({ 'event-type': 'ops.heartbeat', 'event-id': events[1].eventId });
    expect(sut.isLeader).toBe(true);
    await waitFor(() => published.get(topic) === 60, { timeoutMs: 5_000, message: 'the published count reported' });
  });

  it('leads alone next to an in-thread relay, flushes what is left when stopped, and the other takes over', async () => {
    const topic = uniqueTopic('worker-leader');
    await createTopics(kafka, [topic], 1);
    const first = workerRelay({ pollIntervalMs: 60_000 });
    first.start();
    await waitFor(() => first.isLeader, { timeoutMs: 20_000, message: 'the worker relay leads' });
    const second = new OutboxRelay(dataSource, null, { ...options({ pollIntervalMs: 200 }), worker: false });
    relays.push(second);
    second.start();
    const messages = await read(topic);

    // Enrolment-like: no NOTIFY needed to publish on stop, the last flush does it.
    await dataSource.transaction((manager) => outbox.append(manager, [testEvent(1), testEvent(2)], topic));
    await first.stop();
    expect(first.isLeader).toBe(false);
    expect(await findOutboxBacklog(dataSource)).toBe(0);
    expect(second.isLeader).toBe(false);

    await waitFor(() => second.isLeader, { timeoutMs: 5_000, message: 'the in-thread relay takes over' });
    await dataSource.transaction((manager) => outbox.append(manager, testEvent(3), topic));
    await waitFor(() => messages.length === 3, { timeoutMs: 20_000, message: 'published by the new leader' });
    expect(sequencesByKey(messages).get('patient-1')).toEqual([1, 2, 3]);
  });

  it('loses leadership when its connection dies, and gets it back once nobody else holds the lock', async () => {
    const { reporter, leadership } = recordingReporter();
    const sut = workerRelay({ errorBackoffMs: 200 }, reporter);
    sut.start();
    await waitFor(() => sut.isLeader, { timeoutMs: 20_000, message: 'the worker relay leads' });

    await dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'dmp-outbox-relay'`,
    );

    await waitFor(() => leadership.length >= 3 && sut.isLeader, { timeoutMs: 8_000, message: 'leadership dropped, then taken again on a new connection' });
    expect(leadership.slice(0, 3)).toEqual([true, false, true]);
  });

  it('keeps the rows while Kafka is unreachable, says why on the main thread, and still stops promptly', async () => {
    const { reporter, failures } = recordingReporter();
    const sut = workerRelay({ brokers: ['127.0.0.1:1'] }, reporter);
    await dataSource.transaction((manager) => outbox.append(manager, [testEvent(1), testEvent(2)], uniqueTopic('worker-down')));
    sut.start();

    await waitFor(() => sut.lastError, { timeoutMs: 20_000, message: 'a failed round' });
    expect(failures.some((f) => f !== null)).toBe(true);
    expect(await findOutboxBacklog(dataSource)).toBe(2);
    const stopping = Date.now();
    await sut.stop();
    expect(Date.now() - stopping).toBeLessThan(5_000);
    expect(await findOutboxBacklog(dataSource)).toBe(2);
    expect(sut.isRunning).toBe(false);
  });
});
