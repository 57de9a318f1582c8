import { createTestDatabase, testKafkaBrokers, waitFor } from '@dmp/testing';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  KafkaPublisher,
  OutboxRelay,
  OutboxRow,
  OutboxService,
  findOutboxBacklog,
} from '@dmp/messaging';
import {
  createTopics,
  openDatabase,
  ReadMessage,
  sequencesByKey,
  testEvent,
  testKafka,
  topicReader,
  uniqueTopic,
} from './support/messaging-harness';

/** A relay whose mark step fails once: the crash between publish and mark, without the crash. */
class MarkFailsOnceRelay extends OutboxRelay {
  failures = 0;
  protected override async markPublished(ids: string[]): Promise<void> {
    if (this.failures === 0) {
      this.failures++;
      throw new Error('simulated crash between publish and mark');
    }
    await super.markPublished(ids);
  }
}

/** A relay that counts its Produce calls (one per round that found rows). */
class CountingRelay extends OutboxRelay {
  publishes = 0;
  protected override async publish(rows: OutboxRow[]): Promise<void> {
    this.publishes++;
    await super.publish(rows);
  }
}

// Every behaviour twice: publishing through the KafkaPublisher (kafkajs) and through RelayProducer.
describe.each([
  ['kafkajs producer', false],
  ['direct produce', true],
])(`${OutboxRelay.name} (%s)`, (_producer, directProduce) => {
  let kafka: Kafka;
  let dataSource: DataSource;
  let publisher: KafkaPublisher;
  const relays: OutboxRelay[] = [];
  const readers: Array<{ stop: () => Promise<void> }> = [];
  const outbox = new OutboxService();

  beforeEach(async () => {
    kafka = testKafka(testKafkaBrokers());
    publisher = new KafkaPublisher(kafka);
    dataSource = await openDatabase(await createTestDatabase('messaging_relay'));
  });

  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.stop();
    for (const reader of readers.splice(0)) await reader.stop();
    await publisher.disconnect();
    await dataSource.destroy();
  });

  function relay(
    options: Partial<ConstructorParameters<typeof OutboxRelay>[2]> = {},
    Relay = OutboxRelay,
  ): OutboxRelay {
    const sut = new Relay(dataSource, publisher, {
      serviceName: 'relay-test',
      pollIntervalMs: 200,
      leaderRetryMs: 100,
      errorBackoffMs: 50,
      batchSize: 7,
      directProduce,
      brokers: testKafkaBrokers(),
      ...options,
    });
    relays.push(sut);
    return sut;
  }

  async function read(topic: string): Promise<ReadMessage[]> {
    const reader = await topicReader(kafka, topic);
    readers.push(reader);
    return reader.messages;
  }

  it('publishes the rows of a committed transaction in order per key, with the envelope as value', async () => {
    const topic = uniqueTopic('order');
    await createTopics(kafka, [topic], 3);
    const events = Array.from({ length: 60 }, (_, i) => testEvent(i, `patient-${i % 4}`));
    await dataSource.transaction(async (manager) => {
      for (let i = 0; i < events.length; i += 10)
        await outbox.append(manager, events.slice(i, i + 10), topic);
    });
    const sut = relay();
    sut.start();
    const messages = await read(topic);

    await waitFor(() => messages.length >= 60, {
      timeoutMs: 20_000,
      message: '60 messages on the topic',
    });
    for (const [key, sequences] of sequencesByKey(messages)) {
      const expected = events.filter((e) => e.key === key).map((e) => e.payload.uptimeSeconds);
      expect(sequences).toEqual(expected);
    }
    const first = messages.find((m) => m.key === 'patient-0')!;
    expect(JSON.parse(first.value!)).toMatchObject({
      eventId: events[0].eventId,
      type: 'ops.heartbeat',
      key: 'patient-0',
    });
    expect(first.headers).toMatchObject({
      'event-type': 'ops.heartbeat',
      'schema-version': '1',
      'event-id': events[0].eventId,
    });
    await waitFor(async () => (await findOutboxBacklog(dataSource)) === 0, {
      timeoutMs: 20_000,
      message: 'outbox marked published',
    });
  });

  it('publishes each event of a bundle as a message of its own, in order per key with the rows around it', async () => {
    const topic = uniqueTopic('bundle');
    await createTopics(kafka, [topic], 3);
    const events = Array.from({ length: 60 }, (_, i) => testEvent(i, `patient-${i % 4}`));
    await dataSource.transaction(async (manager) => {
      await outbox.append(manager, events.slice(0, 10), topic);
      await outbox.appendBundle(manager, events.slice(10, 50), topic);
      await outbox.append(manager, events.slice(50), topic);
    });
    // The view shows a bundle's events as rows of their own, as they will be published.
    const listed = await dataSource.query(
      'SELECT key, headers, payload FROM outbox_messages WHERE topic = $1 ORDER BY id, position',
      [topic],
    );
    expect(listed).toEqual(
      events.map((e) => ({
        key: e.key,
        headers: expect.objectContaining({ 'event-id': e.eventId }),
        payload: JSON.parse(JSON.stringify(e)),
      })),
    );
    expect(await findOutboxBacklog(dataSource)).toBe(60);
    // Batches of 7 messages: the bundle of 40 goes whole, after the rows before it.
    const sut = relay({ batchSize: 7 });
    sut.start();
    const messages = await read(topic);

    await waitFor(() => messages.length >= 60, { timeoutMs: 20_000, message: '60 messages on the topic' });
    expect(messages).toHaveLength(60);
    for (const [key, sequences] of sequencesByKey(messages)) {
      expect(sequences).toEqual(events.filter((e) => e.key === key).map((e) => e.payload.uptimeSeconds));
    }
    const bundled = messages.find((m) => JSON.parse(m.value!).eventId === events[20].eventId)!;
    expect(bundled.key).toBe(events[20].key);
    expect(bundled.headers).toMatchObject({ 'event-type': 'ops.heartbeat', 'schema-version': '1', 'event-id': events[20].eventId });
    await waitFor(async () => (await findOutboxBacklog(dataSource)) === 0, {
      timeoutMs: 20_000,
      message: 'outbox marked published',
    });
  });

  it('wakes on NOTIFY: a row committed while the relay idles is published well before the poll interval', async () => {
    const topic = uniqueTopic('notify');
    await createTopics(kafka, [topic], 1);
    const sut = relay({ pollIntervalMs: 60_000 });
    sut.start();
    await waitFor(() => sut.isLeader, { timeoutMs: 20_000, message: 'relay leader' });
    const messages = await read(topic);
    // Let the relay reach its idle wait (it drains the empty outbox first).
    await waitFor(async () => (await findOutboxBacklog(dataSource)) === 0, { timeoutMs: 20_000 });

    await dataSource.transaction((manager) => outbox.append(manager, testEvent(1), topic));

    await waitFor(() => messages.length === 1, {
      timeoutMs: 20_000,
      message: 'published on NOTIFY',
    });
  });

  it('with a minimum gap between rounds, publishes the rows committed during the gap in one round', async () => {
    const topic = uniqueTopic('gap');
    await createTopics(kafka, [topic], 1);
    const sut = relay(
      { pollIntervalMs: 60_000, minRoundGapMs: 3_000 },
      CountingRelay,
    ) as CountingRelay;
    sut.start();
    await waitFor(() => sut.isLeader, { timeoutMs: 20_000, message: 'relay leader' });
    const messages = await read(topic);
    await dataSource.transaction((manager) => outbox.append(manager, testEvent(1), topic));
    // Published and marked: the gap runs from the start of that round.
    await waitFor(async () => sut.publishes === 1 && (await findOutboxBacklog(dataSource)) === 0, {
      timeoutMs: 20_000,
      message: 'first row published',
    });

    // Three transactions, three NOTIFYs, while the relay waits out its gap.
    for (const n of [2, 3, 4])
      await dataSource.transaction((manager) => outbox.append(manager, testEvent(n), topic));
    await waitFor(() => messages.length === 4, { timeoutMs: 20_000, message: 'rows of the gap' });

    expect(sut.publishes).toBe(2);
  });

  it('lets only one of two relays on the same database publish, and the standby takes over when the leader stops', async () => {
    const topic = uniqueTopic('leader');
    await createTopics(kafka, [topic], 1);
    const first = relay();
    first.start();
    await waitFor(() => first.isLeader, { timeoutMs: 20_000, message: 'first relay leads' });
    const second = relay();
    second.start();
    const messages = await read(topic);

    await dataSource.transaction((manager) =>
      outbox.append(manager, [testEvent(1), testEvent(2)], topic),
    );
    await waitFor(() => messages.length === 2, {
      timeoutMs: 20_000,
      message: 'published by the leader',
    });
    expect(second.isLeader).toBe(false);

    await first.stop();
    await waitFor(() => second.isLeader, { timeoutMs: 5_000, message: 'standby takes over' });
    await dataSource.transaction((manager) => outbox.append(manager, testEvent(3), topic));

    await waitFor(() => messages.length === 3, {
      timeoutMs: 20_000,
      message: 'published by the new leader',
    });
    expect(sequencesByKey(messages).get('patient-1')).toEqual([1, 2, 3]);
  });

  it('loses leadership when its connection dies, and the standby takes over', async () => {
    const first = relay({ errorBackoffMs: 10_000 });
    first.start();
    await waitFor(() => first.isLeader, { timeoutMs: 20_000, message: 'first relay leads' });
    const second = relay();
    second.start();

    // What a crashed leader's database session looks like: terminated.
    await dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'dmp-outbox-relay' AND pid IN
          (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`,
    );

    await waitFor(() => second.isLeader, { timeoutMs: 8_000, message: 'the standby leads' });
    expect(first.isLeader).toBe(false);
  });

  it('republishes the rows whose mark failed after publishing: at least once', async () => {
    const topic = uniqueTopic('republish');
    await createTopics(kafka, [topic], 1);
    await dataSource.transaction((manager) =>
      outbox.append(manager, [testEvent(1), testEvent(2)], topic),
    );
    const sut = relay({}, MarkFailsOnceRelay) as MarkFailsOnceRelay;
    const messages = await read(topic);
    sut.start();

    await waitFor(() => messages.length === 4, {
      timeoutMs: 15_000,
      message: 'both events published twice',
    });
    await waitFor(async () => (await findOutboxBacklog(dataSource)) === 0, {
      timeoutMs: 20_000,
      message: 'marked on the second round',
    });
    expect(sut.failures).toBe(1);
    expect(sequencesByKey(messages).get('patient-1')).toEqual([1, 2, 1, 2]);
  });

  it('deletes published rows at once when the retention is 0', async () => {
    const topic = uniqueTopic('retention');
    await dataSource.transaction((manager) => outbox.append(manager, [testEvent(1)], topic));
    const sut = relay({ retentionMs: 0 });
    sut.start();

    await waitFor(
      async () =>
        Number((await dataSource.query('SELECT count(*) AS n FROM outbox_events'))[0].n) === 0,
      {
        timeoutMs: 15_000,
        message: 'row deleted after publishing',
      },
    );
  });

  it('flushes what is left when stopped as the leader', async () => {
    const topic = uniqueTopic('flush');
    await createTopics(kafka, [topic], 1);
    const sut = relay({ pollIntervalMs: 60_000 });
    sut.start();
    await waitFor(() => sut.isLeader, { timeoutMs: 20_000 });
    const messages = await read(topic);
    // Written without the trigger's NOTIFY reaching the relay in time is not guaranteed; stop()
    // must publish it either way.
    await dataSource.transaction((manager) => outbox.append(manager, testEvent(9), topic));
    await sut.stop();

    expect(await findOutboxBacklog(dataSource)).toBe(0);
    await waitFor(() => messages.length === 1, { timeoutMs: 20_000, message: 'flushed message' });
  });

  it('keeps the rows while Kafka is unreachable, says why, and still stops promptly', async () => {
    const unreachable = new Kafka({
      brokers: ['127.0.0.1:1'],
      clientId: 'relay-test-unreachable',
      connectionTimeout: 200,
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
      logLevel: logLevel.NOTHING,
    });
    const deadPublisher = new KafkaPublisher(unreachable);
    const sut = new OutboxRelay(dataSource, deadPublisher, {
      serviceName: 'relay-test',
      errorBackoffMs: 50,
      directProduce,
      brokers: ['127.0.0.1:1'],
    });
    await dataSource.transaction((manager) =>
      outbox.append(manager, [testEvent(1), testEvent(2)], uniqueTopic('down')),
    );
    sut.start();

    await waitFor(() => sut.lastError, { timeoutMs: 20_000, message: 'a failed round' });
    expect(await findOutboxBacklog(dataSource)).toBe(2);
    const stopping = Date.now();
    await sut.stop();
    expect(Date.now() - stopping).toBeLessThan(5_000);
    expect(await findOutboxBacklog(dataSource)).toBe(2);
  });
});
