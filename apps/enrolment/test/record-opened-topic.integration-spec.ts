import { Topics, parseEvent } from '@dmp/contracts';
import { testKafkaBrokers, waitFor } from '@dmp/testing';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { actors, aMinorOpening, anOpening, newIns } from './support/builders';
import { EnrolmentTestApp, startEnrolmentApp } from './support/enrolment-test-app';

/** Every message of a topic up to its current end (high watermark on each partition). */
async function readWholeTopic(topic: string): Promise<{ key: string; value: Buffer }[]> {
  const kafka = new Kafka({ clientId: 'enrolment-topic-test', brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `enrolment-test-${randomUUID()}` });
  const messages: { key: string; value: Buffer }[] = [];
  const reached = new Map<number, number>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      messages.push({ key: message.key?.toString() ?? '', value: message.value ?? Buffer.alloc(0) });
      reached.set(partition, Number(message.offset) + 1);
    },
  });
  try {
    await waitFor(() => [...ends].every(([p, end]) => end === 0 || (reached.get(p) ?? 0) >= end), { timeoutMs: 30_000, message: `the end of ${topic}` });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

describe('Record-opened events on Kafka', () => {
  let sut: EnrolmentTestApp;

  beforeAll(async () => {
    sut = await startEnrolmentApp();
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('publishes exactly one valid record-opened event, keyed by INS, for concurrent duplicate openings', async () => {
    const token = sut.tokenFor(actors.pharmacy());
    const body = anOpening();
    const minor = aMinorOpening(newIns());
    const responses = await Promise.all([
      ...Array.from({ length: 8 }, () => sut.http().post('/records').set('Authorization', `Bearer ${token}`).send(body)),
      ...Array.from({ length: 4 }, () => sut.http().post('/records').set('Authorization', `Bearer ${token}`).send(minor)),
    ]);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(2);

    await waitFor(async () => (await sut.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`)).rows[0].n === 0, {
      timeoutMs: 20_000,
      message: 'the outbox relay to publish every event',
    });
    const messages = (await readWholeTopic(Topics.RECORD_OPENED)).filter((m) => m.key === body.ins || m.key === minor.ins);
    expect(messages.map((m) => m.key).sort()).toEqual([body.ins, minor.ins].sort());
    for (const message of messages) {
      const parsed = await parseEvent(Topics.RECORD_OPENED, message.value);
      expect(parsed.ok).toBe(true);
    }
  });
});
