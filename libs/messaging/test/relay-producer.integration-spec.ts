import { testKafkaBrokers, waitFor } from '@dmp/testing';
import { Kafka, Partitioners } from 'kafkajs';
import { RelayMessage, RelayProducer } from '@dmp/messaging';
import { createTopics, ReadMessage, testKafka, topicReader, uniqueTopic } from './support/messaging-harness';

describe(RelayProducer.name, () => {
  let kafka: Kafka;
  const stops: Array<() => Promise<void>> = [];

  beforeEach(() => {
    kafka = testKafka(testKafkaBrokers());
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  async function read(topic: string): Promise<ReadMessage[]> {
    const reader = await topicReader(kafka, topic);
    stops.push(reader.stop);
    return reader.messages;
  }

  it('sends many requests in order per key, to the partitions kafkajs would pick, headers and values intact', async () => {
    const topic = uniqueTopic('direct');
    await createTopics(kafka, [topic], 3);
    // 2 KB batches at most: 300 messages go as dozens of Produce requests per partition.
    const sut = new RelayProducer({ brokers: testKafkaBrokers(), clientId: 'relay-producer-test', maxBatchBytes: 2000 });
    stops.push(() => sut.close());
    const messages: RelayMessage[] = Array.from({ length: 300 }, (_, i) => ({
      key: `patient-${i % 7}`,
      value: JSON.stringify({ seq: i, text: 'é'.repeat(i % 50) }),
      headers: { 'event-type': 'test', 'event-id': `e-${i}` },
    }));

    await sut.send([{ topic, messages: messages.slice(0, 150) }]);
    await sut.send([{ topic, messages: messages.slice(150) }]);
    const received = await read(topic);

    await waitFor(() => received.length >= 300, { timeoutMs: 20_000, message: '300 messages' });
    expect(received).toHaveLength(300);
    const kafkajs = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    for (const m of received) {
      expect(m.partition).toBe(kafkajs({ topic, partitionMetadata, message: { key: m.key, value: null } }));
      const seq = (JSON.parse(m.value!) as { seq: number }).seq;
      expect(m.value).toBe(messages[seq].value);
      expect(m.headers).toEqual(messages[seq].headers);
    }
    for (let k = 0; k < 7; k++) {
      const seqs = received.filter((m) => m.key === `patient-${k}`).map((m) => (JSON.parse(m.value!) as { seq: number }).seq);
      expect(seqs).toEqual(messages.map((m, i) => (m.key === `patient-${k}` ? i : -1)).filter((i) => i >= 0));
    }
  });

  it('waits for a topic the broker creates on first use', async () => {
    const topic = uniqueTopic('autocreated');
    const sut = new RelayProducer({ brokers: testKafkaBrokers(), clientId: 'relay-producer-test' });
    stops.push(() => sut.close());

    await sut.send([{ topic, messages: [{ key: null, value: 'first', headers: {} }] }]);
    const received = await read(topic);

    await waitFor(() => received.length === 1, { timeoutMs: 20_000, message: 'the message' });
    expect(received[0]).toMatchObject({ key: null, value: 'first' });
  });

  it('fails the send when no broker answers', async () => {
    const sut = new RelayProducer({ brokers: ['127.0.0.1:1'], clientId: 'relay-producer-test', requestTimeoutMs: 2000 });
    stops.push(() => sut.close());

    await expect(sut.send([{ topic: uniqueTopic('down'), messages: [{ key: 'k', value: 'v', headers: {} }] }])).rejects.toThrow();
  });
});
