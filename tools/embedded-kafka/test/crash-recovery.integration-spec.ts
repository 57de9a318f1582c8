import { closeSync, openSync, readFileSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Consumer, Kafka } from 'kafkajs';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { kafkaFor, uniqueName } from './support/clients';
import { makeTempDir } from './support/temp-dir';
import { waitFor } from '@dmp/testing';
import { withTimeout } from './support/with-timeout';

/** Every file under dir, so the test does not depend on the broker's on-disk layout beyond names. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Where a segment's batches end: the broker keeps preallocated zeros after that point. */
function batchesEnd(file: string): number {
  const bytes = readFileSync(file);
  let at = 0;
  while (at + 12 <= bytes.length && bytes.readInt32BE(at + 8) > 0) at += 12 + bytes.readInt32BE(at + 8);
  return at;
}

async function quietly(what: Promise<unknown>): Promise<void> {
  await withTimeout(what, 15_000, 'client shutdown').catch(() => undefined);
}

describe('embedded broker process after kill -9', () => {
  const dataDir = makeTempDir('crash');
  let broker: BrokerProcess | null = null;

  // Clients left connected by a failed assertion would keep jest alive: stop them whatever happens.
  const clients: { disconnect(): Promise<void> }[] = [];
  const track = <T extends { disconnect(): Promise<void> }>(client: T): T => {
    clients.push(client);
    return client;
  };

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => quietly(c.disconnect())));
  });

  afterAll(async () => {
    if (broker && broker.exitCode() === null) await broker.kill('SIGKILL');
    dataDir.remove();
  });

  it('keeps every acknowledged record and committed offset, and consumers resume from their commits', async () => {
    broker = await startBrokerProcess({ dataDir: dataDir.path });
    const port = broker.port;
    const topic = uniqueName('crash');
    const groupId = uniqueName('g-crash');
    let kafka: Kafka = kafkaFor(broker.bootstrap, 'crash');
    // No retries for the producer: a send that fails when the broker dies is simply unacknowledged.
    const producerKafka = kafkaFor(broker.bootstrap, 'crash-producer', { retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = track(producerKafka.producer());
    await producer.connect();
    const acknowledged = new Set<string>();
    const consumedBeforeCrash: { partition: number; offset: number; value: string }[] = [];
    const committedBeforeCrash = new Map<number, number>();
    const consumer: Consumer = track(kafka.consumer({ groupId, maxWaitTimeInMs: 200, heartbeatInterval: 300 }));
    consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
      for (const t of payload.topics) for (const p of t.partitions) committedBeforeCrash.set(Number(p.partition), Number(p.offset));
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommitThreshold: 50,
      eachMessage: async ({ partition, message }) => {
        consumedBeforeCrash.push({ partition, offset: Number(message.offset), value: message.value!.toString() });
      },
    });

    let stopProducing = false;
    let batch = 0;
    const production = (async () => {
      while (!stopProducing) {
        const messages = Array.from({ length: 50 }, (_, i) => ({ key: `k${i % 7}`, value: `${batch}-${i}` }));
        batch += 1;
        try {
          await producer.send({ topic, acks: -1, messages });
          for (const m of messages) acknowledged.add(m.value);
        } catch {
          return; // the broker died under this request: it was never acknowledged
        }
      }
    })();

    await waitFor(() => acknowledged.size >= 2_000 && committedBeforeCrash.size === 3, {
      timeoutMs: 30_000,
      message: 'records acknowledged and offsets committed on all partitions',
    });
    await broker.kill('SIGKILL');
    stopProducing = true;
    await withTimeout(production, 20_000, 'producer loop after the crash');
    const commitsSeen = new Map(committedBeforeCrash);
    await Promise.all([quietly(producer.disconnect()), quietly(consumer.disconnect())]);

    broker = await startBrokerProcess({ dataDir: dataDir.path, port });
    kafka = kafkaFor(broker.bootstrap, 'crash-after');
    const after = kafka.admin();
    await after.connect();
    const endsAfter = await after.fetchTopicOffsets(topic);
    const committed = await after.fetchOffsets({ groupId, topics: [topic] });
    await after.disconnect();
    expect(endsAfter.reduce((sum, p) => sum + Number(p.high), 0)).toBeGreaterThanOrEqual(acknowledged.size);
    const committedAfter = new Map(committed[0].partitions.map((p) => [p.partition, Number(p.offset)]));
    for (const [partition, offset] of commitsSeen) {
      // A commit acknowledged before the crash survives it (a later one may have landed too).
      expect({ partition, offset: committedAfter.get(partition)! >= offset }).toEqual({ partition, offset: true });
    }

    // Everything acknowledged is readable from the beginning.
    const replayed = new Set<string>();
    const reader = track(kafka.consumer({ groupId: uniqueName('g-replay'), maxWaitTimeInMs: 200 }));
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void replayed.add(message.value!.toString()) });
    await waitFor(() => [...acknowledged].every((v) => replayed.has(v)), {
      timeoutMs: 30_000,
      message: `all ${acknowledged.size} acknowledged records after restart (have ${replayed.size})`,
    });
    await quietly(reader.disconnect());

    // New records after the restart give every partition a backlog past the group's commits.
    const more = track(kafka.producer());
    await more.connect();
    await more.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: `after-restart-${i}` })) });
    await quietly(more.disconnect());

    // The original group resumes exactly where its committed offsets say.
    const firstOffsetAfter = new Map<number, number>();
    const resumed = track(kafka.consumer({ groupId, maxWaitTimeInMs: 200 }));
    await resumed.connect();
    await resumed.subscribe({ topic, fromBeginning: true });
    await resumed.run({
      eachMessage: async ({ partition, message }) => {
        if (!firstOffsetAfter.has(partition)) firstOffsetAfter.set(partition, Number(message.offset));
      },
    });
    const withBacklog = [...committedAfter];
    expect(withBacklog).toHaveLength(3);
    await waitFor(() => withBacklog.every(([p]) => firstOffsetAfter.has(p)), { timeoutMs: 30_000, message: 'resumed group consuming its backlog' });
    for (const [partition, offset] of withBacklog) expect({ partition, first: firstOffsetAfter.get(partition) }).toEqual({ partition, first: offset });
    await quietly(resumed.disconnect());

    // The CLI prints its stats snapshot on SIGUSR2 and stops cleanly on SIGTERM.
    const restarted = broker;
    restarted.child.kill('SIGUSR2');
    const snapshot = await waitFor(
      () =>
        restarted
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{') && line.includes('"topics"'))
          .map((line) => JSON.parse(line) as { topics: { name: string; partitions: { logEndOffset: number }[] }[] })
          .find((s) => s.topics.some((t) => t.name === topic)),
      { timeoutMs: 5_000, message: 'a stats line after SIGUSR2' },
    );
    const ends = snapshot.topics.find((t) => t.name === topic)!.partitions.map((p) => p.logEndOffset);
    expect(ends.reduce((a, b) => a + b, 0)).toBe(endsAfter.reduce((sum, p) => sum + Number(p.high), 0) + 30);
    await restarted.kill('SIGTERM');
    expect(await restarted.exited).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('truncates a torn tail and keeps serving the records before it', async () => {
    const torn = makeTempDir('torn');
    try {
      let proc = await startBrokerProcess({ dataDir: torn.path });
      const topic = uniqueName('torn');
      let kafka = kafkaFor(proc.bootstrap, 'torn');
      const setup = kafka.admin();
      await setup.connect();
      await setup.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await setup.disconnect();
      const producer = track(kafka.producer());
      await producer.connect();
      for (let i = 0; i < 5; i++) await producer.send({ topic, messages: Array.from({ length: 20 }, (_, j) => ({ value: `before-${i * 20 + j}` })) });
      await producer.disconnect();
      await proc.kill('SIGKILL');

      // A crash in the middle of an append leaves a partial batch at the end of the active segment.
      const segments = filesUnder(torn.path).filter((f) => f.includes(topic) && /\.log$/.test(f));
      expect(segments.length).toBeGreaterThan(0);
      const last = segments.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs || b.localeCompare(a))[0];
      // The killed broker had extended the file ahead of its last batch (preallocation): the
      // partial batch lands where the next append would have gone, with zeros after it.
      const batchBytes = batchesEnd(last);
      expect(statSync(last).size).toBeGreaterThan(batchBytes);
      const fd = openSync(last, 'r+');
      const garbage = Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 1, 0]), Buffer.from('torn garbage that is not a batch')]);
      writeSync(fd, garbage, 0, garbage.length, batchBytes);
      closeSync(fd);

      proc = await startBrokerProcess({ dataDir: torn.path });
      kafka = kafkaFor(proc.bootstrap, 'torn-after');
      const admin = kafka.admin();
      await admin.connect();
      const [end] = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      expect(Number(end.high)).toBe(100);
      const after = track(kafka.producer());
      await after.connect();
      const [appended] = await after.send({ topic, messages: [{ value: 'after' }] });
      await after.disconnect();
      expect(appended.baseOffset).toBe('100');

      const values: string[] = [];
      const consumer = track(kafka.consumer({ groupId: uniqueName('g-torn'), maxWaitTimeInMs: 200 }));
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
      await waitFor(() => values.length >= 101, { timeoutMs: 20_000, message: '101 records after recovery' });
      await quietly(consumer.disconnect());
      expect(values).toEqual([...Array.from({ length: 100 }, (_, i) => `before-${i}`), 'after']);
      await proc.kill('SIGTERM');
    } finally {
      torn.remove();
    }
  }, 60_000);
});
