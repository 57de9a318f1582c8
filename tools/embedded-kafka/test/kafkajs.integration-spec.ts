import { randomBytes } from 'node:crypto';
import { AssignerProtocol, CompressionTypes, Consumer, EachMessagePayload, IHeaders, Kafka, Producer } from 'kafkajs';
import { startBroker } from '@dmp/embedded-kafka';
import { RecordedFrame, recordingSocketFactory } from './support/recording-socket';
import { TestBroker, kafkaFor, startTestBroker, uniqueName } from './support/clients';
import { waitFor } from '@dmp/testing';
import { withTimeout } from './support/with-timeout';
import {
  ApiKey,
  WireConnection,
  decodeApiVersionsV0,
  decodeFetchV4,
  decodeProduceResponse,
  encodeFetchV4,
  recordBatchesOfProduceFrame,
  splitBatches,
  withBaseSequence,
  withCorrelationId,
} from './support/wire';

interface Received {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: IHeaders;
}

describe(`${startBroker.name} with kafkajs`, () => {
  let sut: TestBroker;
  let kafka: Kafka;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    sut = await startTestBroker('kafkajs');
    kafka = kafkaFor(sut.bootstrap, 'conformance');
  });

  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
  });

  afterAll(async () => {
    await sut.stop();
  });

  async function createTopic(numPartitions: number): Promise<string> {
    const topic = uniqueName('t');
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    return topic;
  }

  async function connectedProducer(client: Kafka = kafka, options: Parameters<Kafka['producer']>[0] = {}): Promise<Producer> {
    const producer = client.producer({ allowAutoTopicCreation: true, ...options });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    return producer;
  }

  async function consume(
    groupId: string,
    topic: string,
    into: Received[],
    options: { fromBeginning?: boolean; onMessage?: (p: EachMessagePayload) => void } = {},
  ): Promise<Consumer> {
    const consumer = kafka.consumer({ groupId, heartbeatInterval: 300, sessionTimeout: 10_000, rebalanceTimeout: 10_000, maxWaitTimeInMs: 300 });
    await consumer.connect();
    cleanups.push(() => consumer.disconnect());
    await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      eachMessage: async (payload) => {
        const { partition, message } = payload;
        into.push({
          partition,
          offset: message.offset,
          key: message.key === null ? null : message.key.toString(),
          value: message.value === null ? null : message.value.toString(),
          headers: message.headers ?? {},
        });
        options.onMessage?.(payload);
      },
    });
    return consumer;
  }

  async function endOffsets(topic: string): Promise<Map<number, number>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    } finally {
      await admin.disconnect();
    }
  }

  it('delivers 10,000 messages over 6 partitions and 100 keys to a group exactly once, in order per key', async () => {
    const topic = await createTopic(6);
    const producer = await connectedProducer();
    const total = 10_000;
    const keys = 100;
    for (let batch = 0; batch < total / 500; batch++) {
      const messages = Array.from({ length: 500 }, (_, i) => {
        const n = batch * 500 + i;
        return { key: `key-${n % keys}`, value: `${n % keys}:${Math.floor(n / keys)}` };
      });
      await producer.send({ topic, messages });
    }
    const received: Received[] = [];
    const groupId = uniqueName('g-order');
    const consumer = await consume(groupId, topic, received);

    await waitFor(() => received.length >= total, { timeoutMs: 60_000, message: `${total} messages (got ${received.length})` });
    await consumer.disconnect();

    expect(received).toHaveLength(total);
    expect(new Set(received.map((r) => r.value)).size).toBe(total);
    const byKey = new Map<string, Received[]>();
    for (const r of received) byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), r]);
    expect(byKey.size).toBe(keys);
    for (const [key, list] of byKey) {
      const index = Number(key.slice('key-'.length));
      expect(list.map((r) => r.value)).toEqual(Array.from({ length: total / keys }, (_, seq) => `${index}:${seq}`));
      expect(new Set(list.map((r) => r.partition)).size).toBe(1);
    }
    expect(new Set(received.map((r) => r.partition)).size).toBe(6);
    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    expect(committed[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(total);
  }, 120_000);

  it('loses no message when a second member joins mid-stream and the first one leaves', async () => {
    const topic = await createTopic(6);
    const producer = await connectedProducer();
    const groupId = uniqueName('g-rebalance');
    const receivedByA: Received[] = [];
    const receivedByB: Received[] = [];
    const consumed = (): number => receivedByA.length + receivedByB.length;
    const a = await consume(groupId, topic, receivedByA);
    const producedValues: string[] = [];
    let keepProducing = true;
    // Messages keep flowing through both membership changes: the producer only stops once the
    // second member owns every partition and has consumed what was sent after the first left.
    const production = (async () => {
      for (let batch = 0; keepProducing; batch++) {
        const messages = Array.from({ length: 50 }, (_, i) => ({ key: `k${i % 17}`, value: String(batch * 50 + i) }));
        await producer.send({ topic, messages });
        producedValues.push(...messages.map((m) => m.value));
        await waitFor(() => consumed() >= producedValues.length - 300, { timeoutMs: 20_000, message: 'consumers to keep up' });
      }
    })();

    await waitFor(() => receivedByA.length >= 300, { timeoutMs: 20_000, message: 'member A consuming' });
    let bAssignment: number[] = [];
    const b = kafka.consumer({ groupId, heartbeatInterval: 300, sessionTimeout: 10_000, rebalanceTimeout: 10_000, maxWaitTimeInMs: 300 });
    b.on(b.events.GROUP_JOIN, (event) => {
      bAssignment = (event.payload.memberAssignment[topic] as number[] | undefined) ?? [];
    });
    await b.connect();
    cleanups.push(() => b.disconnect());
    await b.subscribe({ topic, fromBeginning: true });
    await b.run({
      eachMessage: async ({ partition, message }) => {
        receivedByB.push({ partition, offset: message.offset, key: null, value: message.value!.toString(), headers: {} });
      },
    });
    await waitFor(() => receivedByB.length > 0 && bAssignment.length > 0 && bAssignment.length < 6, {
      timeoutMs: 30_000,
      message: 'member B to get part of the partitions and consume',
    });
    const producedBeforeLeave = producedValues.length;
    const aBeforeLeave = receivedByA.length;
    await a.disconnect();
    await waitFor(() => bAssignment.length === 6, { timeoutMs: 30_000, message: 'member B to take over all 6 partitions' });
    const producedAtTakeOver = producedValues.length;
    await waitFor(() => producedValues.length >= producedAtTakeOver + 500, { timeoutMs: 30_000, message: 'more messages after the take-over' });
    keepProducing = false;
    await withTimeout(production, 30_000, 'production');

    const all = new Set<string | null>();
    await waitFor(
      () => {
        for (const r of [...receivedByA, ...receivedByB]) all.add(r.value);
        return producedValues.every((v) => all.has(v));
      },
      { timeoutMs: 30_000, message: 'every produced message across both members' },
    );
    expect(aBeforeLeave).toBeGreaterThan(0);
    expect(producedBeforeLeave).toBeGreaterThan(aBeforeLeave > 0 ? 300 : 0);
    expect(all.size).toBe(producedValues.length);
  }, 120_000);

  it('round-trips headers, null keys, null values and empty values', async () => {
    const topic = await createTopic(1);
    const producer = await connectedProducer();
    await producer.send({
      topic,
      messages: [
        { key: null, value: 'no key', headers: { 'event-type': 'a', binary: Buffer.from([0, 1, 2, 255]) } },
        { key: 'tombstone', value: null },
        { key: null, value: null, headers: { repeated: ['x', 'y'] } },
        { key: '', value: Buffer.alloc(0) },
      ],
    });
    const received: Received[] = [];
    const rawHeaders: IHeaders[] = [];
    await consume(uniqueName('g-headers'), topic, received, { onMessage: ({ message }) => rawHeaders.push(message.headers ?? {}) });
    await waitFor(() => received.length === 4, { timeoutMs: 20_000, message: '4 messages' });

    expect(received.map((r) => [r.key, r.value])).toEqual([
      [null, 'no key'],
      ['tombstone', null],
      [null, null],
      ['', ''],
    ]);
    expect(rawHeaders[0]['event-type']?.toString()).toBe('a');
    expect(rawHeaders[0].binary).toEqual(Buffer.from([0, 1, 2, 255]));
    expect((rawHeaders[2].repeated as Buffer[]).map((b) => b.toString())).toEqual(['x', 'y']);
    expect(rawHeaders[1]).toEqual({});
  });

  it('stores gzip batches byte for byte and serves them to consumers', async () => {
    const topic = await createTopic(1);
    const frames: RecordedFrame[] = [];
    const recorded = kafkaFor(sut.bootstrap, 'gzip', { socketFactory: recordingSocketFactory(frames) });
    const producer = await connectedProducer(recorded);
    await producer.send({ topic, messages: [{ value: 'seed' }] });
    const values = Array.from({ length: 50 }, (_, i) => `compressible value ${i} `.repeat(20));
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages: values.map((value, i) => ({ key: `k${i}`, value })) });

    const produceFrames = frames.filter((f) => f.apiKey === ApiKey.Produce);
    const sent = recordBatchesOfProduceFrame(produceFrames[produceFrames.length - 1].bytes)[0].batch;
    expect(sent.readInt16BE(21) & 0x07).toBe(1);
    const wire = await WireConnection.open(sut.host, sut.port);
    try {
      const fetched = decodeFetchV4((await wire.request(ApiKey.Fetch, 4, encodeFetchV4(topic, [{ partition: 0, offset: 1 }], { maxWaitMs: 0, minBytes: 0 }))).body);
      const batches = splitBatches(fetched[0].records);
      const stored = batches.find((b) => b.baseOffset === 1n)!;
      expect(stored).toBeDefined();
      expect(stored.bytes.length).toBe(sent.length);
      // Only baseOffset (0-7) and partitionLeaderEpoch (12-15) may differ: both sit outside the CRC.
      expect(stored.bytes.subarray(8, 12)).toEqual(sent.subarray(8, 12));
      expect(stored.bytes.subarray(16)).toEqual(sent.subarray(16));
    } finally {
      wire.close();
    }

    const received: Received[] = [];
    await consume(uniqueName('g-gzip'), topic, received);
    await waitFor(() => received.length === 51, { timeoutMs: 20_000, message: '51 messages' });
    expect(received.slice(1).map((r) => r.value)).toEqual(values);
    expect(received.map((r) => r.offset)).toEqual(Array.from({ length: 51 }, (_, i) => String(i)));
  });

  it('stores 200 KB messages from pipelined produce requests intact, every request split across many socket reads', async () => {
    // Produce frames are assembled in a buffer the connection reuses: four sends in flight on
    // one connection, each far larger than a socket read, must not overwrite one another.
    const topic = await createTopic(3);
    const producer = await connectedProducer();
    const values = Array.from({ length: 24 }, () => randomBytes(150 * 1024).toString('base64'));
    await Promise.all(
      [0, 1, 2, 3].map((lane) =>
        producer.send({ topic, acks: -1, messages: values.filter((_, i) => i % 4 === lane).map((value, i) => ({ key: `k${lane}-${i}`, value })) }),
      ),
    );
    const received: Received[] = [];
    const consumer = await consume(uniqueName('g-large'), topic, received);
    await waitFor(() => received.length >= values.length, { timeoutMs: 30_000, message: `${values.length} large messages (got ${received.length})` });
    await consumer.disconnect();
    expect(received.map((r) => r.value).sort()).toEqual([...values].sort());
  });

  it('answers a retried idempotent batch with its original offset, stores it once and refuses a sequence gap', async () => {
    const topic = await createTopic(1);
    const frames: RecordedFrame[] = [];
    const recorded = kafkaFor(sut.bootstrap, 'idempotent', { socketFactory: recordingSocketFactory(frames) });
    const producer = await connectedProducer(recorded, { idempotent: true, maxInFlightRequests: 1 });
    const first = await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    const second = await producer.send({ topic, messages: [{ value: 'd' }, { value: 'e' }] });
    expect(first[0].baseOffset).toBe('0');
    expect(second[0].baseOffset).toBe('3');
    expect(frames.some((f) => f.apiKey === ApiKey.InitProducerId)).toBe(true);
    const [firstFrame, secondFrame] = frames.filter((f) => f.apiKey === ApiKey.Produce);
    const batch = recordBatchesOfProduceFrame(firstFrame.bytes)[0].batch;
    expect(batch.readBigInt64BE(43)).toBeGreaterThanOrEqual(0n); // producerId: idempotence is on
    expect(batch.readInt32BE(53)).toBe(0); // baseSequence of the first batch

    // A retry is the same bytes sent again, as kafkajs does after a lost response.
    const wire = await WireConnection.open(sut.host, sut.port);
    try {
      const replayFirst = decodeProduceResponse((await wire.send(withCorrelationId(firstFrame.bytes, 9001))).body, firstFrame.apiVersion);
      const replaySecond = decodeProduceResponse((await wire.send(withCorrelationId(secondFrame.bytes, 9002))).body, secondFrame.apiVersion);
      expect(replayFirst[0]).toMatchObject({ errorCode: 0, baseOffset: 0n });
      expect(replaySecond[0]).toMatchObject({ errorCode: 0, baseOffset: 3n });
      // A batch that skips sequence numbers is refused with OUT_OF_ORDER_SEQUENCE_NUMBER (45).
      const gap = decodeProduceResponse((await wire.send(withCorrelationId(withBaseSequence(secondFrame.bytes, 50), 9003))).body, secondFrame.apiVersion);
      expect(gap[0].errorCode).toBe(45);
    } finally {
      wire.close();
    }
    expect((await endOffsets(topic)).get(0)).toBe(5);
    const third = await producer.send({ topic, messages: [{ value: 'f' }] });
    expect(third[0].baseOffset).toBe('5');
  });

  it('stores acks=0 messages without answering, and keeps answering acks=-1 on the same connection', async () => {
    const topic = await createTopic(1);
    const producer = await connectedProducer();
    for (let i = 0; i < 10; i++) {
      await producer.send({ topic, acks: 0, messages: Array.from({ length: 10 }, (_, j) => ({ value: `fire-and-forget ${i * 10 + j}` })) });
    }
    await waitFor(async () => (await endOffsets(topic)).get(0) === 100, { timeoutMs: 10_000, message: '100 acks=0 messages stored' });
    const acknowledged = await producer.send({ topic, acks: -1, messages: [{ value: 'acknowledged' }] });
    expect(acknowledged[0]).toMatchObject({ errorCode: 0, baseOffset: '100' });
  });

  it('recovers a group whose committed offset is out of range by resetting to the earliest offset', async () => {
    const topic = await createTopic(1);
    const producer = await connectedProducer();
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) });
    const groupId = uniqueName('g-oor');
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1000' }] });
    await admin.disconnect();

    const wire = await WireConnection.open(sut.host, sut.port);
    const outOfRange = decodeFetchV4((await wire.request(ApiKey.Fetch, 4, encodeFetchV4(topic, [{ partition: 0, offset: 1000 }], { maxWaitMs: 0, minBytes: 0 }))).body);
    wire.close();
    expect(outOfRange[0].errorCode).toBe(1);

    const received: Received[] = [];
    await consume(groupId, topic, received, { fromBeginning: true });
    await waitFor(() => received.length === 10, { timeoutMs: 20_000, message: '10 messages after the reset' });
    expect(received.map((r) => r.value)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
  });

  it('holds an empty fetch until maxWait and no longer', async () => {
    const topic = await createTopic(1);
    const wire = await WireConnection.open(sut.host, sut.port);
    try {
      const started = Date.now();
      const response = decodeFetchV4((await wire.request(ApiKey.Fetch, 4, encodeFetchV4(topic, [{ partition: 0, offset: 0 }], { maxWaitMs: 500, minBytes: 1 }))).body);
      const elapsed = Date.now() - started;
      expect(response[0]).toMatchObject({ errorCode: 0, highWatermark: 0n });
      expect(response[0].records.length).toBe(0);
      expect(elapsed).toBeGreaterThanOrEqual(450);
      // Generous for a loaded CI machine, yet far below a broker that ignores maxWait.
      expect(elapsed).toBeLessThan(1_500);
    } finally {
      wire.close();
    }
  });

  it('wakes a parked fetch as soon as a record is produced', async () => {
    const topic = await createTopic(1);
    const producer = await connectedProducer();
    const wire = await WireConnection.open(sut.host, sut.port);
    try {
      const started = Date.now();
      const parked = wire.request(ApiKey.Fetch, 4, encodeFetchV4(topic, [{ partition: 0, offset: 0 }], { maxWaitMs: 20_000, minBytes: 1 }));
      await producer.send({ topic, messages: [{ value: 'wake up' }] });
      const response = decodeFetchV4((await withTimeout(parked, 5_000, 'parked fetch')).body);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(splitBatches(response[0].records)).toHaveLength(1);
      expect(response[0].highWatermark).toBe(1n);
    } finally {
      wire.close();
    }
  });

  it('lets a kafkajs consumer with a long maxWait see new messages promptly', async () => {
    const topic = await createTopic(1);
    const producer = await connectedProducer();
    const received: string[] = [];
    const receivedAt: number[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('g-longpoll'), maxWaitTimeInMs: 10_000 });
    await consumer.connect();
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push(message.value!.toString());
        receivedAt.push(Date.now());
      },
    });
    await waitFor(() => joined, { timeoutMs: 20_000, message: 'consumer join' });
    const sentAt = Date.now();
    await producer.send({ topic, messages: [{ value: 'prompt' }] });
    await waitFor(() => received.length === 1, { timeoutMs: 9_000, message: 'message before the 10 s maxWait' });
    expect(receivedAt[0] - sentAt).toBeLessThan(4_000);
    // disconnect() waits for the parked fetch: one more record wakes it instead of a 10 s wait.
    const stopping = consumer.disconnect();
    await producer.send({ topic, messages: [{ value: 'wake the parked fetch' }] });
    await withTimeout(stopping, 15_000, 'consumer disconnect');
  });

  it('creates, lists and deletes topics and describes and lists groups', async () => {
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const [one, two] = [uniqueName('admin-a'), uniqueName('admin-b')];
    expect(await admin.createTopics({ topics: [{ topic: one, numPartitions: 3 }, { topic: two, numPartitions: 2 }], waitForLeaders: true })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: one, numPartitions: 3 }] })).toBe(false);
    expect(await admin.listTopics()).toEqual(expect.arrayContaining([one, two]));
    const metadata = await admin.fetchTopicMetadata({ topics: [one, two] });
    expect(metadata.topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual([[one, 3], [two, 2]].sort());

    await admin.deleteTopics({ topics: [two] });
    await waitFor(async () => !(await admin.listTopics()).includes(two), { timeoutMs: 10_000, message: `${two} deleted` });
    expect(await admin.listTopics()).toContain(one);

    const groupId = uniqueName('g-admin');
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 300 });
    await consumer.connect();
    cleanups.push(() => consumer.disconnect());
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.subscribe({ topic: one });
    await consumer.run({ eachMessage: async () => undefined });
    await waitFor(() => joined, { timeoutMs: 20_000, message: 'consumer join' });

    expect((await admin.listGroups()).groups).toEqual(expect.arrayContaining([expect.objectContaining({ groupId, protocolType: 'consumer' })]));
    const { groups } = await admin.describeGroups([groupId]);
    expect(groups[0]).toMatchObject({ groupId, state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner' });
    expect(groups[0].members).toHaveLength(1);
    const assignment = AssignerProtocol.MemberAssignment.decode(groups[0].members[0].memberAssignment);
    expect(assignment?.assignment[one]?.sort()).toEqual([0, 1, 2]);
  });

  it('answers an ApiVersions request above its maximum with error 35 and the supported ranges', async () => {
    const wire = await WireConnection.open(sut.host, sut.port);
    try {
      const response = decodeApiVersionsV0((await wire.request(ApiKey.ApiVersions, 99, Buffer.alloc(0))).body);
      expect(response.errorCode).toBe(35);
      const ranges = new Map(response.apiKeys.map((k) => [k.apiKey, k]));
      const expectedMaxima: [number, number][] = [
        [ApiKey.Produce, 7],
        [ApiKey.Fetch, 11],
        [ApiKey.ListOffsets, 2],
        [ApiKey.Metadata, 4],
        [ApiKey.OffsetCommit, 5],
        [ApiKey.OffsetFetch, 4],
        [ApiKey.FindCoordinator, 2],
        [ApiKey.JoinGroup, 5],
        [ApiKey.Heartbeat, 3],
        [ApiKey.LeaveGroup, 3],
        [ApiKey.SyncGroup, 3],
        [ApiKey.DescribeGroups, 2],
        [ApiKey.ListGroups, 2],
        [ApiKey.ApiVersions, 3],
        [ApiKey.CreateTopics, 3],
        [ApiKey.DeleteTopics, 1],
        [ApiKey.InitProducerId, 1],
      ];
      for (const [key, max] of expectedMaxima) {
        expect({ key, range: ranges.get(key) }).toEqual({ key, range: { apiKey: key, minVersion: 0, maxVersion: expect.any(Number) } });
        expect(ranges.get(key)!.maxVersion).toBeGreaterThanOrEqual(max);
      }
      // The same connection keeps working after the refusal.
      const ok = decodeApiVersionsV0((await wire.request(ApiKey.ApiVersions, 0, Buffer.alloc(0))).body);
      expect(ok.errorCode).toBe(0);
    } finally {
      wire.close();
    }
  });

  it('refuses a version above the advertised maximum of another key without hanging or dying', async () => {
    const wire = await WireConnection.open(sut.host, sut.port);
    const versions = decodeApiVersionsV0((await wire.request(ApiKey.ApiVersions, 0, Buffer.alloc(0))).body);
    const metadataMax = versions.apiKeys.find((k) => k.apiKey === ApiKey.Metadata)!.maxVersion;
    // Either an error 35 answer or a closed connection is what Kafka does; silence is not.
    const outcome = await withTimeout(
      wire.request(ApiKey.Metadata, metadataMax + 20, Buffer.alloc(0)).then(
        (r) => ({ answered: true, body: r.body }),
        () => ({ answered: false, body: Buffer.alloc(0) }),
      ),
      5_000,
      'answer to an unsupported Metadata version',
    );
    if (outcome.answered) expect(outcome.body.includes(Buffer.from([0, 35]))).toBe(true);
    wire.close();
    const fresh = await WireConnection.open(sut.host, sut.port);
    expect(decodeApiVersionsV0((await fresh.request(ApiKey.ApiVersions, 0, Buffer.alloc(0))).body).errorCode).toBe(0);
    fresh.close();
  });
});
