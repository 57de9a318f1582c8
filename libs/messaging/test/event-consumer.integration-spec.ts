import { randomUUID } from 'node:crypto';
import { HeartbeatPayload } from '@dmp/contracts';
import { createTestDatabase, testKafkaBrokers, waitFor } from '@dmp/testing';
import { Kafka } from 'kafkajs';
import { DataSource, EntityManager } from 'typeorm';
import {
  DEAD_LETTER_TOPIC,
  EventConsumer,
  EventConsumerOptions,
  KafkaPublisher,
  NonRetryableError,
  readDeadLetters,
  RegisteredHandler,
  replayDeadLetter,
} from '@dmp/messaging';
import { EventEnvelope, parseEventSync } from '@dmp/contracts';
import {
  createTopics,
  effectCount,
  openDatabase,
  ReadMessage,
  TEST_SCHEMA_TOPIC,
  testEvent,
  testKafka,
  topicReader,
  uniqueTopic,
} from './support/messaging-harness';

type Apply = (envelope: EventEnvelope<HeartbeatPayload>, manager: EntityManager) => Promise<void>;

async function recordEffect(
  envelope: EventEnvelope<HeartbeatPayload>,
  manager: EntityManager,
): Promise<void> {
  await manager.query('INSERT INTO test_effects (event_id, key, seq) VALUES ($1, $2, $3)', [
    envelope.eventId,
    envelope.key,
    envelope.payload.uptimeSeconds,
  ]);
}

describe(EventConsumer.name, () => {
  let kafka: Kafka;
  let dataSource: DataSource;
  let publisher: KafkaPublisher;
  let topic: string;
  let deadLetters: ReadMessage[];
  const cleanups: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    kafka = testKafka(testKafkaBrokers());
    publisher = new KafkaPublisher(kafka);
    dataSource = await openDatabase(await createTestDatabase('messaging_consumer'));
    topic = uniqueTopic('consumer');
    await createTopics(kafka, [topic, DEAD_LETTER_TOPIC], 2);
    const reader = await topicReader(kafka, DEAD_LETTER_TOPIC);
    deadLetters = reader.messages;
    cleanups.push(reader.stop);
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await publisher.disconnect();
    await dataSource.destroy();
  });

  /** Starts a consumer; with `batchSizes`, as a batch handler recording the size of each batch. */
  async function consume(
    apply: Apply,
    options: Partial<EventConsumerOptions> = {},
    batchSizes?: number[],
    decode?: RegisteredHandler['decode'],
  ): Promise<EventConsumer> {
    const handler: RegisteredHandler = {
      topic,
      name: 'test.handle',
      batch: batchSizes !== undefined,
      maxBatchSize: 50,
      schemaTopic: TEST_SCHEMA_TOPIC,
      ...(decode ? { decode } : {}),
      handle: async (input, manager) => {
        const list = (Array.isArray(input) ? input : [input]) as EventEnvelope<HeartbeatPayload>[];
        if (Array.isArray(input)) batchSizes?.push(input.length);
        for (const envelope of list) await apply(envelope, manager);
      },
    };
    const sut = new EventConsumer(kafka, dataSource, publisher, [handler], {
      serviceName: 'consumer-test',
      groupId: `dmp-consumer-test-${randomUUID().slice(0, 8)}`,
      retry: { attempts: 3, initialDelayMs: 20 },
      lagRefreshMs: 0,
      ...options,
    });
    cleanups.push(() => sut.stop());
    await sut.start();
    await sut.waitUntilJoined();
    return sut;
  }

  function deadLettersFrom(sourceTopic: string): ReadMessage[] {
    return deadLetters.filter((m) => m.headers['dlq-original-topic'] === sourceTopic);
  }

  it('applies each event once, in the handler transaction, and records it in the inbox', async () => {
    await consume(recordEffect);
    const events = [testEvent(1), testEvent(2), testEvent(3, 'patient-2')];

    await publisher.publishEvents(events, topic);

    await waitFor(async () => (await effectCount(dataSource)) === 3, {
      timeoutMs: 20_000,
      message: '3 effects',
    });
    const inbox: Array<{ event_id: string; topic: string }> = await dataSource.query(
      'SELECT event_id, topic FROM inbox_events ORDER BY "offset"',
    );
    expect(inbox.map((r) => r.event_id).sort()).toEqual(events.map((e) => e.eventId).sort());
    expect(inbox.every((r) => r.topic === topic)).toBe(true);
  });

  it('writes no inbox row for handlers that opt out, and hands them a batch without its repeated event ids', async () => {
    const seen: string[] = [];
    const handler: RegisteredHandler = {
      topic,
      name: 'test.idempotentByKey',
      batch: true,
      maxBatchSize: 50,
      schemaTopic: TEST_SCHEMA_TOPIC,
      inbox: false,
      // Idempotent by its own key, as an opted-out handler must be.
      handle: async (input, manager) => {
        for (const envelope of input as EventEnvelope<HeartbeatPayload>[]) {
          seen.push(envelope.eventId);
          await manager.query(
            'INSERT INTO test_effects (event_id, key, seq) SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM test_effects WHERE event_id = $1)',
            [envelope.eventId, envelope.key, envelope.payload.uptimeSeconds],
          );
        }
      },
    };
    const sut = new EventConsumer(kafka, dataSource, publisher, [handler], {
      serviceName: 'consumer-test',
      groupId: `dmp-consumer-test-${randomUUID().slice(0, 8)}`,
      lagRefreshMs: 0,
    });
    cleanups.push(() => sut.stop());
    await sut.start();
    await sut.waitUntilJoined();
    const event = testEvent(1);

    await publisher.publishEvents([event, event, testEvent(2)], topic);
    await waitFor(async () => (await effectCount(dataSource)) === 2, { timeoutMs: 20_000, message: '2 effects' });
    await publisher.publishEvents(event, topic);
    await waitFor(async () => seen.filter((id) => id === event.eventId).length >= 2, { timeoutMs: 20_000, message: 'the republished event handed over again' });

    expect(await effectCount(dataSource)).toBe(2);
    expect(Number((await dataSource.query('SELECT count(*) AS n FROM inbox_events'))[0].n)).toBe(0);
  });

  it('skips an event already in the inbox: a republished event has no second effect', async () => {
    await consume(recordEffect);
    const event = testEvent(1);

    await publisher.publishEvents([event, event, testEvent(2)], topic);
    await publisher.publishEvents(event, topic);

    await waitFor(async () => (await effectCount(dataSource)) === 2, {
      timeoutMs: 20_000,
      message: '2 effects',
    });
    const marker = testEvent(3);
    await publisher.publishEvents(marker, topic);
    await waitFor(async () => (await effectCount(dataSource)) === 3, {
      timeoutMs: 20_000,
      message: 'the marker after the duplicates',
    });
    const rows: Array<{ n: string }> = await dataSource.query(
      'SELECT count(*) AS n FROM test_effects WHERE event_id = $1',
      [event.eventId],
    );
    expect(Number(rows[0].n)).toBe(1);
  });

  it('absorbs a redelivery when the offset was not committed after the transaction', async () => {
    let crashes = 0;
    await consume(recordEffect, {
      // Fails after the commit and before the offset is resolved: Kafka delivers the batch again.
      onHandled: () => {
        if (crashes++ === 0) throw new Error('simulated crash before the offset commit');
      },
    });
    await publisher.publishEvents([testEvent(1), testEvent(2)], topic);

    await waitFor(() => crashes >= 3, {
      timeoutMs: 20_000,
      message: 'redelivered after the failure',
    });
    await waitFor(async () => (await effectCount(dataSource)) === 2, {
      timeoutMs: 20_000,
      message: 'both applied',
    });
    const marker = testEvent(3);
    await publisher.publishEvents(marker, topic);
    await waitFor(async () => (await effectCount(dataSource)) === 3, {
      timeoutMs: 20_000,
      message: 'marker applied',
    });
  });

  it('dead-letters invalid JSON and a failed validation with the reason, and keeps consuming', async () => {
    await consume(recordEffect);
    const invalid = testEvent(2);
    (invalid.payload as unknown as Record<string, unknown>).ready = 'yes';

    await publisher.publish(topic, [
      { key: 'patient-1', value: '{not json', headers: { origin: 'test' } },
      { key: 'patient-1', value: JSON.stringify(invalid) },
    ]);
    await publisher.publishEvents(testEvent(3), topic);

    await waitFor(async () => (await effectCount(dataSource)) === 1, {
      timeoutMs: 20_000,
      message: 'the good event after the poison ones',
    });
    await waitFor(() => deadLettersFrom(topic).length === 2, {
      timeoutMs: 20_000,
      message: '2 dead letters',
    });
    const [badJson, badPayload] = deadLettersFrom(topic);
    expect(badJson.value).toBe('{not json');
    expect(badJson.key).toBe('patient-1');
    expect(badJson.headers).toMatchObject({
      origin: 'test',
      'dlq-original-topic': topic,
      'dlq-consumer-group': expect.stringMatching(/^dmp-consumer-test-/),
    });
    expect(badJson.headers['dlq-reason']).toMatch(/JSON/);
    expect(badJson.headers['dlq-original-partition']).toMatch(/^\d+$/);
    expect(badJson.headers['dlq-original-offset']).toMatch(/^\d+$/);
    expect(Date.parse(badJson.headers['dlq-at'])).not.toBeNaN();
    expect(badPayload.headers['dlq-reason']).toMatch(/payload\.ready/);
    expect(JSON.parse(badPayload.value!)).toMatchObject({ eventId: invalid.eventId });
  });

  it('dead-letters a message its decoder throws on, with the reason, and keeps consuming', async () => {
    await consume(recordEffect, {}, undefined, (value) => {
      if (value?.toString() === 'explode') throw new Error('decoder bug');
      return parseEventSync(TEST_SCHEMA_TOPIC, value);
    });

    await publisher.publish(topic, [{ key: 'patient-1', value: 'explode' }]);
    await publisher.publishEvents(testEvent(1, 'patient-1'), topic);

    await waitFor(async () => (await effectCount(dataSource)) === 1, {
      timeoutMs: 20_000,
      message: 'the good event after the poison one',
    });
    await waitFor(() => deadLettersFrom(topic).length === 1, {
      timeoutMs: 20_000,
      message: 'poison dead-lettered',
    });
    expect(deadLettersFrom(topic)[0].headers['dlq-reason']).toBe(
      'invalid event: could not be decoded (decoder bug)',
    );
    expect(deadLettersFrom(topic)[0].value).toBe('explode');
  });

  it('retries a transiently failing handler and then applies the event once', async () => {
    let calls = 0;
    await consume(async (envelope, manager) => {
      calls++;
      await recordEffect(envelope, manager);
      if (calls < 3) throw new Error('database hiccup');
    });

    await publisher.publishEvents(testEvent(1), topic);

    await waitFor(async () => (await effectCount(dataSource)) === 1, {
      timeoutMs: 20_000,
      message: 'applied after retries',
    });
    expect(calls).toBe(3);
    expect(deadLettersFrom(topic)).toHaveLength(0);
  });

  it('dead-letters an event whose handler keeps failing, and handles the next one', async () => {
    const poison = testEvent(1);
    await consume(async (envelope, manager) => {
      if (envelope.eventId === poison.eventId) throw new Error('always fails');
      await recordEffect(envelope, manager);
    });

    await publisher.publishEvents([poison, testEvent(2)], topic);

    await waitFor(async () => (await effectCount(dataSource)) === 1, {
      timeoutMs: 20_000,
      message: 'next event applied',
    });
    await waitFor(() => deadLettersFrom(topic).length === 1, {
      timeoutMs: 20_000,
      message: 'poison dead-lettered',
    });
    expect(deadLettersFrom(topic)[0].headers['dlq-reason']).toBe(
      'handler failed 3 times: always fails',
    );
    const inbox: Array<{ n: string }> = await dataSource.query(
      'SELECT count(*) AS n FROM inbox_events WHERE event_id = $1',
      [poison.eventId],
    );
    expect(Number(inbox[0].n)).toBe(0);
  });

  it('dead-letters at once when the handler throws NonRetryableError', async () => {
    let calls = 0;
    await consume(async () => {
      calls++;
      throw new NonRetryableError('record is closed');
    });

    await publisher.publishEvents(testEvent(1), topic);

    await waitFor(() => deadLettersFrom(topic).length === 1, {
      timeoutMs: 20_000,
      message: 'dead-lettered',
    });
    expect(calls).toBe(1);
    expect(deadLettersFrom(topic)[0].headers['dlq-reason']).toBe(
      'rejected by handler: record is closed',
    );
  });

  it('hands a batch handler many events in one transaction and isolates a poison event of the batch', async () => {
    const poison = testEvent(5);
    const sizes: number[] = [];
    const events = Array.from({ length: 40 }, (_, i) =>
      i === 5 ? poison : testEvent(i, `patient-${i % 2}`),
    );
    // Published before the consumer starts, so that its first fetches return full batches.
    await publisher.publishEvents(events, topic);

    await consume(
      async (envelope, manager) => {
        if (envelope.eventId === poison.eventId) throw new NonRetryableError('bad one');
        await recordEffect(envelope, manager);
      },
      {},
      sizes,
    );

    await waitFor(async () => (await effectCount(dataSource)) === 39, {
      timeoutMs: 20_000,
      message: '39 effects',
    });
    await waitFor(() => deadLettersFrom(topic).length === 1, {
      timeoutMs: 20_000,
      message: 'poison dead-lettered',
    });
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    const seqs: Array<{ key: string; seq: number }> = await dataSource.query(
      'SELECT key, seq FROM test_effects ORDER BY id',
    );
    for (const key of ['patient-0', 'patient-1']) {
      const applied = seqs.filter((r) => r.key === key).map((r) => r.seq);
      expect(applied).toEqual([...applied].sort((a, b) => a - b));
    }
  });

  it('applies a dead letter replayed to its topic once the cause is fixed', async () => {
    let refuse = true;
    await consume(async (envelope, manager) => {
      if (refuse) throw new NonRetryableError('record unknown yet');
      await recordEffect(envelope, manager);
    });
    const event = testEvent(1);
    await publisher.publishEvents(event, topic);
    await waitFor(() => deadLettersFrom(topic).length === 1, {
      timeoutMs: 20_000,
      message: 'dead-lettered',
    });

    refuse = false;
    const letters = (await readDeadLetters(kafka)).filter((l) => l.originalTopic === topic);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      reason: 'rejected by handler: record unknown yet',
      key: 'patient-1',
    });
    await replayDeadLetter(publisher, letters[0]);

    await waitFor(async () => (await effectCount(dataSource)) === 1, {
      timeoutMs: 20_000,
      message: 'replayed event applied',
    });
  });

  it('purges inbox rows older than the retention, only for its own group', async () => {
    const sut = await consume(recordEffect, { inboxRetentionMs: 24 * 3600 * 1000 });
    const insert = (group: string, age: string): Promise<unknown> =>
      dataSource.query(
        `INSERT INTO inbox_events (consumer_group, event_id, topic, "partition", "offset", handled_at)
         VALUES ($1, $2, 't', 0, 0, now() - $3::interval)`,
        [group, randomUUID(), age],
      );
    await insert(sut.groupId, '2 days');
    await insert(sut.groupId, '1 hour');
    await insert('dmp-someone-else', '2 days');

    expect(await sut.purgeInbox()).toBe(1);
    const rows: Array<{ consumer_group: string }> = await dataSource.query(
      'SELECT consumer_group FROM inbox_events',
    );
    expect(rows.map((r) => r.consumer_group).sort()).toEqual(
      ['dmp-someone-else', sut.groupId].sort(),
    );
  });

  it('shares the partitions between two instances of a service: every event applied once', async () => {
    const groupId = `dmp-consumer-test-${randomUUID().slice(0, 8)}`;
    const handledBy = [0, 0];
    await consume(recordEffect, {
      groupId,
      onHandled: (info) => void (handledBy[0] += info.offsets.length),
    });
    await consume(recordEffect, {
      groupId,
      onHandled: (info) => void (handledBy[1] += info.offsets.length),
    });
    const events = Array.from({ length: 40 }, (_, i) => testEvent(i, `patient-${i % 8}`));

    await publisher.publishEvents(events, topic);

    await waitFor(async () => (await effectCount(dataSource)) === 40, {
      timeoutMs: 30_000,
      message: '40 effects',
    });
    expect(handledBy.every((n) => n > 0)).toBe(true);
    const distinct: Array<{ n: string }> = await dataSource.query(
      'SELECT count(DISTINCT event_id) AS n FROM test_effects',
    );
    expect(Number(distinct[0].n)).toBe(40);
  });
});
