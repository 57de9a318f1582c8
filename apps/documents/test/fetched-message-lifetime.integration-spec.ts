import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Admin, Consumer, Kafka, Producer, logLevel } from 'kafkajs';
import { testKafkaBrokers, waitFor } from '@dmp/testing';
import { framedKafkaSocketFactory } from '../src/kafka/framed-kafka-socket';

jest.setTimeout(120_000);

const MESSAGES = 120;
const BODY_BYTES = 256 * 1024;

function sha256(value: Buffer | null): string {
  return createHash('sha256')
    .update(value ?? Buffer.alloc(0))
    .digest('hex');
}

/**
 * The service reads fetch responses into buffers it uses again at the connection's next Fetch
 * request. That is only safe while kafkajs fetches again after every batch of the previous
 * response was handled: this checks it with the real client and broker, with handlers that go
 * back to the network in the middle of their batch (where a fetch issued early would be answered).
 */
describe('kafkajs fetched messages with reused fetch buffers', () => {
  const topic = `test.documents.fetch-lifetime.${randomUUID()}`;
  let plain: Kafka;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer | undefined;
  const expected = new Map<string, string>();

  beforeAll(async () => {
    plain = new Kafka({ clientId: 'fetch-lifetime-test', brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING });
    admin = plain.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    producer = plain.producer();
    await producer.connect();
    const messages = Array.from({ length: MESSAGES }, (_, i) => {
      const value = randomBytes(BODY_BYTES);
      expected.set(String(i), sha256(value));
      return { key: String(i), value };
    });
    for (let i = 0; i < messages.length; i += 20) await producer.send({ topic, messages: messages.slice(i, i + 20) });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin?.disconnect();
  });

  it('keeps every message intact until its batch is handled, while responses share buffers', async () => {
    const kafka = new Kafka({ clientId: 'fetch-lifetime-test', brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING, socketFactory: framedKafkaSocketFactory({ reuseFetchBuffers: true }) });
    consumer = kafka.consumer({ groupId: `fetch-lifetime-${randomUUID()}`, maxBytesPerPartition: 1024 * 1024, maxBytes: 4 * 1024 * 1024, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen = new Map<string, { atStart: string; atEnd: string }>();
    const buffers = new Set<ArrayBufferLike>();
    let batches = 0;
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        batches++;
        const atStart = batch.messages.map((m) => sha256(m.value));
        for (const message of batch.messages) if (message.value) buffers.add(message.value.buffer);
        // Network round trips on another connection: a fetch sent meanwhile would be answered.
        await admin.fetchTopicOffsets(topic);
        await admin.fetchTopicOffsets(topic);
        batch.messages.forEach((m, i) => seen.set(m.key?.toString() ?? '', { atStart: atStart[i], atEnd: sha256(m.value) }));
      },
    });

    await waitFor(() => seen.size === MESSAGES, { timeoutMs: 60_000, message: 'all messages consumed' });

    const wrong = [...seen].filter(([key, hashes]) => hashes.atStart !== expected.get(key) || hashes.atEnd !== expected.get(key));
    expect(wrong).toEqual([]);
    // 30 MiB in fetches of at most 4 MiB: reuse means far fewer buffers than batches (a copy of
    // each response by kafkajs, or a fresh buffer per response, would give one per response).
    expect(batches).toBeGreaterThan(8);
    expect(buffers.size).toBeLessThanOrEqual(3);
  });
});
