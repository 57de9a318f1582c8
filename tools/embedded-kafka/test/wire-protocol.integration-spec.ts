import { connect } from 'node:net';
import { Kafka } from 'kafkajs';
import { startBroker } from '@dmp/embedded-kafka';
import { waitFor } from '@dmp/testing';
import { TestBroker, kafkaFor, startTestBroker, uniqueName } from './support/clients';
import { RecordedFrame, recordingSocketFactory } from './support/recording-socket';
import { withTimeout } from './support/with-timeout';
import {
  ApiKey,
  Reader,
  WireConnection,
  Writer,
  decodeApiVersionsV0,
  decodeFetchV4,
  decodeProduceResponse,
  encodeFetchV4,
  frame,
  recordBatchesOfProduceFrame,
  splitBatches,
  withCorrelationId,
} from './support/wire';

/** Metadata v4 request: null topics = all topics, [] = brokers only. */
function metadataV4(topics: string[] | null, allowAutoTopicCreation: boolean): Buffer {
  return new Writer()
    .array(topics, (w, t) => w.string(t))
    .int8(allowAutoTopicCreation ? 1 : 0)
    .build();
}

function decodeMetadataV4(body: Buffer): { brokers: { nodeId: number; host: string; port: number }[]; controllerId: number; topics: { errorCode: number; name: string; partitions: number }[] } {
  const r = new Reader(body);
  r.int32();
  const brokers = r.array((b) => {
    const broker = { nodeId: b.int32(), host: b.string() ?? '', port: b.int32() };
    b.string(); // rack
    return broker;
  }) ?? [];
  r.string(); // cluster id
  const controllerId = r.int32();
  const topics = r.array((t) => {
    const errorCode = t.int16();
    const name = t.string() ?? '';
    t.int8();
    const partitions = t.array((p) => {
      p.int16();
      p.int32();
      p.int32();
      p.array((x) => x.int32());
      p.array((x) => x.int32());
      return 1;
    })?.length ?? 0;
    return { errorCode, name, partitions };
  }) ?? [];
  return { brokers, controllerId, topics };
}

/** ListOffsets v1: timestamp -1 = high watermark, -2 = log start. */
async function listOffset(wire: WireConnection, topic: string, partition: number, timestamp: -1 | -2): Promise<{ errorCode: number; offset: bigint }> {
  const body = new Writer()
    .int32(-1)
    .array([topic], (w, t) => w.string(t).array([partition], (pw, p) => pw.int32(p).int64(timestamp)))
    .build();
  const r = new Reader((await wire.request(ApiKey.ListOffsets, 1, body)).body);
  let out = { errorCode: -1, offset: -1n };
  r.array((t) => {
    t.string();
    t.array((p) => {
      p.int32();
      const errorCode = p.int16();
      p.int64();
      out = { errorCode, offset: p.int64() };
    });
  });
  return out;
}

describe(`${startBroker.name} on the wire`, () => {
  let sut: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    sut = await startTestBroker('wire', { defaultPartitions: 2 });
    kafka = kafkaFor(sut.bootstrap, 'wire-suite');
  });

  afterAll(async () => {
    await sut.stop();
  });

  async function produce(topic: string, values: string[], partition = 0): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: values.map((value) => ({ value, partition })) });
    await producer.disconnect();
  }

  it('tells an empty topic list (brokers only) from a null one (all topics) and creates topics only when allowed', async () => {
    const existing = uniqueName('meta');
    await produce(existing, ['x']);
    const wire = await WireConnection.open(sut.host, sut.port);
    try {
      const brokersOnly = decodeMetadataV4((await wire.request(ApiKey.Metadata, 4, metadataV4([], false))).body);
      expect(brokersOnly.topics).toEqual([]);
      expect(brokersOnly.brokers).toEqual([{ nodeId: brokersOnly.controllerId, host: sut.host, port: sut.port }]);

      const all = decodeMetadataV4((await wire.request(ApiKey.Metadata, 4, metadataV4(null, false))).body);
      expect(all.topics).toEqual(expect.arrayContaining([{ errorCode: 0, name: existing, partitions: 2 }]));

      const missing = uniqueName('missing');
      const refused = decodeMetadataV4((await wire.request(ApiKey.Metadata, 4, metadataV4([missing], false))).body);
      expect(refused.topics).toEqual([{ errorCode: 3, name: missing, partitions: 0 }]);
      const created = decodeMetadataV4((await wire.request(ApiKey.Metadata, 4, metadataV4([missing], true))).body);
      expect(created.topics[0]).toMatchObject({ name: missing, partitions: 2 });
      expect([0, 5]).toContain(created.topics[0].errorCode); // created now, or LEADER_NOT_AVAILABLE while it is

      const illegal = decodeMetadataV4((await wire.request(ApiKey.Metadata, 4, metadataV4(['../escape'], true))).body);
      expect(illegal.topics[0]).toMatchObject({ errorCode: 17, name: '../escape' });
    } finally {
      wire.close();
    }
  });

  it('answers pipelined requests in order even while a fetch is parked, without delaying other connections', async () => {
    const topic = uniqueName('order');
    await produce(topic, ['x']);
    const wire = await WireConnection.open(sut.host, sut.port);
    const other = await WireConnection.open(sut.host, sut.port);
    try {
      const answered: string[] = [];
      const parked = wire.request(ApiKey.Fetch, 4, encodeFetchV4(topic, [{ partition: 0, offset: 1 }], { maxWaitMs: 1_000, minBytes: 1 })).then(() => answered.push('fetch'));
      const behind = wire.request(ApiKey.ApiVersions, 0, Buffer.alloc(0)).then(() => answered.push('apiVersions'));
      const started = Date.now();
      await other.request(ApiKey.ApiVersions, 0, Buffer.alloc(0));
      expect(Date.now() - started).toBeLessThan(500);
      await withTimeout(Promise.all([parked, behind]), 5_000, 'pipelined answers');
      expect(answered).toEqual(['fetch', 'apiVersions']);
    } finally {
      wire.close();
      other.close();
    }
  });

  it('reassembles a request sent one byte at a time and splits several requests sent in one write', async () => {
    const socket = connect({ host: sut.host, port: sut.port });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const responses: number[] = [];
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        responses.push(buffered.readInt32BE(4));
        buffered = buffered.subarray(4 + buffered.readInt32BE(0));
      }
    });
    try {
      const slow = frame(ApiKey.ApiVersions, 0, 11, Buffer.alloc(0));
      for (const byte of slow) {
        await new Promise<void>((resolve) => socket.write(Buffer.from([byte]), () => resolve()));
      }
      await waitFor(() => responses.length === 1, { timeoutMs: 5_000, message: 'answer to the byte-by-byte request' });
      socket.write(Buffer.concat([12, 13, 14].map((id) => frame(ApiKey.ApiVersions, 0, id, Buffer.alloc(0)))));
      await waitFor(() => responses.length === 4, { timeoutMs: 5_000, message: 'answers to three requests in one write' });
      expect(responses).toEqual([11, 12, 13, 14]);
    } finally {
      socket.destroy();
    }
  });

  it('returns whole batches from the one holding the fetch offset, and the first batch even when larger than maxBytes', async () => {
    const topic = uniqueName('batches');
    await produce(topic, Array.from({ length: 10 }, (_, i) => `first-${i}`.padEnd(200, '.')));
    await produce(topic, Array.from({ length: 10 }, (_, i) => `second-${i}`.padEnd(200, '.')));
    const wire = await WireConnection.open(sut.host, sut.port);
    try {
      const middle = decodeFetchV4((await wire.request(ApiKey.Fetch, 4, encodeFetchV4(topic, [{ partition: 0, offset: 5 }], { maxWaitMs: 0, minBytes: 0 }))).body);
      expect(splitBatches(middle[0].records).map((b) => [b.baseOffset, b.lastOffsetDelta])).toEqual([
        [0n, 9],
        [10n, 9],
      ]);
      const tiny = decodeFetchV4((await wire.request(ApiKey.Fetch, 4, encodeFetchV4(topic, [{ partition: 0, offset: 12 }], { maxWaitMs: 0, minBytes: 0, maxBytes: 10 }))).body);
      const batches = splitBatches(tiny[0].records);
      expect(batches.map((b) => b.baseOffset)).toEqual([10n]);
      expect(tiny[0]).toMatchObject({ errorCode: 0, highWatermark: 20n });

      const atEnd = decodeFetchV4((await wire.request(ApiKey.Fetch, 4, encodeFetchV4(topic, [{ partition: 0, offset: 20 }], { maxWaitMs: 0, minBytes: 0 }))).body);
      expect(atEnd[0]).toMatchObject({ errorCode: 0, highWatermark: 20n });
      expect(atEnd[0].records.length).toBe(0);
      expect(await listOffset(wire, topic, 0, -1)).toEqual({ errorCode: 0, offset: 20n });
      expect(await listOffset(wire, topic, 0, -2)).toEqual({ errorCode: 0, offset: 0n });
    } finally {
      wire.close();
    }
  });

  it('refuses a batch whose CRC does not match with CORRUPT_MESSAGE and stores nothing', async () => {
    const topic = uniqueName('crc');
    const frames: RecordedFrame[] = [];
    const recorded = kafkaFor(sut.bootstrap, 'crc', { socketFactory: recordingSocketFactory(frames) });
    const producer = recorded.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ partition: 0, value: 'good' }] });
    await producer.disconnect();
    const produceFrame = frames.filter((f) => f.apiKey === ApiKey.Produce).pop()!;
    const corrupt = Buffer.from(produceFrame.bytes);
    corrupt[corrupt.length - 3] ^= 0xff; // inside the last record, covered by the CRC
    expect(recordBatchesOfProduceFrame(corrupt)).toHaveLength(1);

    const wire = await WireConnection.open(sut.host, sut.port);
    try {
      const [result] = decodeProduceResponse((await wire.send(withCorrelationId(corrupt, 77))).body, produceFrame.apiVersion);
      expect(result.errorCode).toBe(2);
      expect(await listOffset(wire, topic, 0, -1)).toEqual({ errorCode: 0, offset: 1n });
    } finally {
      wire.close();
    }
  });

  it('closes a connection whose frame exceeds the maximum size and keeps serving the others', async () => {
    const small = await startTestBroker('max-frame', { maxFrameBytes: 64 * 1024 });
    try {
      const healthy = await WireConnection.open(small.host, small.port);
      const offender = await WireConnection.open(small.host, small.port);
      offender.write(new Writer().int32(1024 * 1024).raw(Buffer.alloc(1024)).build());
      await withTimeout(offender.closed, 5_000, 'the broker closing the oversize connection');
      expect(decodeApiVersionsV0((await healthy.request(ApiKey.ApiVersions, 0, Buffer.alloc(0))).body).errorCode).toBe(0);
      healthy.close();
    } finally {
      await small.stop();
    }
  });

  it('deletes whole segments past the size retention and moves the log start, and a consumer recovers from it', async () => {
    const retained = await startTestBroker('retention', { segmentBytes: 16 * 1024, retentionBytes: 32 * 1024, retentionCheckIntervalMs: 100 });
    try {
      const topic = uniqueName('retention');
      const client = kafkaFor(retained.bootstrap, 'retention');
      const producer = client.producer();
      await producer.connect();
      for (let i = 0; i < 40; i++) {
        await producer.send({ topic, messages: Array.from({ length: 5 }, (_, j) => ({ partition: 0, value: `${i * 5 + j}`.padEnd(400, '-') })) });
      }
      await producer.disconnect();
      const wire = await WireConnection.open(retained.host, retained.port);
      try {
        // Retention may take several checks (100 ms apart) to get under the limit: wait until
        // the log start has moved and then held still for five checks in a row.
        const starts: bigint[] = [];
        const start = await waitFor(
          async () => {
            starts.push((await listOffset(wire, topic, 0, -2)).offset);
            const recent = starts.slice(-5);
            return recent.length === 5 && recent[0] > 0n && recent.every((o) => o === recent[0]) ? recent[0] : null;
          },
          { timeoutMs: 15_000, intervalMs: 100, message: 'the log start offset to move past deleted segments and settle' },
        );
        expect(await listOffset(wire, topic, 0, -1)).toEqual({ errorCode: 0, offset: 200n });
        const below = decodeFetchV4((await wire.request(ApiKey.Fetch, 4, encodeFetchV4(topic, [{ partition: 0, offset: 0 }], { maxWaitMs: 0, minBytes: 0 }))).body);
        expect(below[0].errorCode).toBe(1);

        const values: number[] = [];
        const consumer = client.consumer({ groupId: uniqueName('g-retention'), maxWaitTimeInMs: 200 });
        await consumer.connect();
        try {
          await consumer.subscribe({ topic, fromBeginning: true });
          await consumer.run({ eachMessage: async ({ message }) => void values.push(Number(message.value!.toString().replace(/-+$/, ''))) });
          await waitFor(() => values.includes(199), { timeoutMs: 20_000, message: 'the last record after the reset to the log start' });
        } finally {
          await consumer.disconnect();
        }
        expect(values).toEqual(Array.from({ length: 200 - Number(start) }, (_, i) => Number(start) + i));
      } finally {
        wire.close();
      }
    } finally {
      await retained.stop();
    }
  });

  it('reports topics, end offsets, groups, members and lag in its stats snapshot', async () => {
    const topic = uniqueName('stats');
    await produce(topic, Array.from({ length: 7 }, (_, i) => `s${i}`));
    const groupId = uniqueName('g-stats');
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    let seen = 0;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => void seen++ });
    try {
      await waitFor(() => seen === 7, { timeoutMs: 20_000, message: '7 messages' });
      const group = await waitFor(
        () => {
          const g = sut.broker.stats().groups.find((x) => x.groupId === groupId);
          return g && g.totalLag === 0 && g.offsets.some((o) => o.committedOffset === 7) ? g : null;
        },
        { timeoutMs: 10_000, message: 'the group committed to the end' },
      );
      expect(group).toMatchObject({ state: 'Stable', protocolType: 'consumer' });
      expect(group.members).toHaveLength(1);
      expect(Object.values(group.members[0].assignment).flat().sort()).toEqual([0, 1]);
      const stats = sut.broker.stats();
      const partitions = stats.topics.find((t) => t.name === topic)!.partitions;
      expect(partitions.map((p) => [p.partition, p.logStartOffset, p.logEndOffset])).toEqual([
        [0, 0, 7],
        [1, 0, 0],
      ]);
    } finally {
      await consumer.disconnect();
    }
  });
});
