import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { BrokerHandle, startBroker } from '@dmp/embedded-kafka';
import { waitFor } from '@dmp/testing';
import { kafkaFor, uniqueName } from './support/clients';
import { runKcat } from './support/kcat';
import { makeTempDir } from './support/temp-dir';

/** A large, distinct value: a document-sized body whose bytes depend on `i`. */
function body(i: number, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let x = (i + 1) * 2654435761;
  for (let at = 0; at < bytes; at += 4) {
    x = (x * 1103515245 + 12345) >>> 0;
    out.writeUInt32LE(x, Math.min(at, bytes - 4));
  }
  return out;
}

const digest = (b: Buffer | null): string => createHash('sha256').update(b ?? Buffer.alloc(0)).digest('hex');

async function consumeAll(kafka: Kafka, topic: string, count: number): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  const consumer = kafka.consumer({ groupId: uniqueName('g-direct'), maxWaitTimeInMs: 200, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.set(message.key?.toString() ?? '', digest(message.value));
      },
    });
    await waitFor(() => seen.size >= count, { timeoutMs: 60_000, message: `${count} messages from ${topic}` });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

describe(`${startBroker.name} with direct appends (directIo: true)`, () => {
  const dir = makeTempDir('direct-io');
  let broker: BrokerHandle;

  beforeAll(async () => {
    broker = await startBroker({ host: '127.0.0.1', port: 0, dataDir: dir.path, defaultPartitions: 3, quiet: true, directIo: true });
  });

  afterAll(async () => {
    await broker.stop();
    dir.remove();
  });

  it('serves kcat batches of 200 KB messages intact to kafkajs, before and after a restart on the same data', async () => {
    const topic = uniqueName('direct-kcat');
    const count = 30;
    const expected = new Map<string, string>();
    const input: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const value = body(i, 200 * 1024 + i * 7);
      expected.set(`doc-${i}`, digest(value));
      input.push(Buffer.from(`doc-${i}KEYEND`), value, Buffer.from('MSGEND'));
    }
    const produced = await runKcat(['-b', broker.bootstrap, '-P', '-t', topic, '-K', 'KEYEND', '-D', 'MSGEND', '-X', 'linger.ms=5'], {
      input: Buffer.concat(input),
      timeoutMs: 60_000,
    });
    expect(produced).toMatchObject({ code: 0 });
    // The appends went the direct way: the active segments are padded past their logical size.
    const partitions = broker.stats().topics.find((t) => t.name === topic)?.partitions ?? [];
    const padded = partitions.filter((p) => {
      const folder = join(dir.path, 'topics', topic, String(p.partition));
      const files = readdirSync(folder).filter((f) => f.endsWith('.log'));
      return statSync(join(folder, files.sort().at(-1) ?? '')).size > p.sizeBytes;
    });
    expect(padded.length).toBeGreaterThan(0);
    expect(await consumeAll(kafkaFor(broker.bootstrap, 'direct-before'), topic, count)).toEqual(expected);

    await broker.stop();
    broker = await startBroker({ host: '127.0.0.1', port: 0, dataDir: dir.path, defaultPartitions: 3, quiet: true, directIo: true });
    expect(await consumeAll(kafkaFor(broker.bootstrap, 'direct-after'), topic, count)).toEqual(expected);
  }, 120_000);

  it('keeps small and large kafkajs sends to one partition in order and byte for byte', async () => {
    const topic = uniqueName('direct-mixed');
    const kafka = kafkaFor(broker.bootstrap, 'direct-mixed');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const expected = new Map<string, string>();
    const order: string[] = [];
    try {
      // Sizes around the 64 KiB threshold and the 4 KiB block, so direct and page-cache appends
      // alternate and start at every kind of position within a block.
      const sizes = [10, 70_000, 300, 4_000, 90_000, 1, 65_536, 5_000, 150_000, 20];
      for (const [i, size] of sizes.entries()) {
        const value = body(100 + i, Math.max(4, size));
        expected.set(`m-${i}`, digest(value));
        order.push(`m-${i}`);
        await producer.send({ topic, acks: -1, messages: [{ key: `m-${i}`, value }] });
      }
    } finally {
      await producer.disconnect();
    }
    const received: string[] = [];
    const digests = new Map<string, string>();
    const consumer = kafka.consumer({ groupId: uniqueName('g-direct-mixed'), maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const key = message.key?.toString() ?? '';
          received.push(key);
          digests.set(key, digest(message.value));
        },
      });
      await waitFor(() => received.length >= order.length, { timeoutMs: 30_000, message: 'every mixed message' });
    } finally {
      await consumer.disconnect();
    }
    expect(received).toEqual(order);
    expect(digests).toEqual(expected);
  }, 60_000);
});
