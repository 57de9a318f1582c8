import { Socket, connect } from 'node:net';
import { CompressionTypes, Kafka } from 'kafkajs';
import { BrokerProcess, startBrokerProcess } from './support/broker-process';
import { kafkaFor, uniqueName } from './support/clients';
import { RecordedFrame, recordingSocketFactory } from './support/recording-socket';
import { makeTempDir } from './support/temp-dir';
import { waitFor } from '@dmp/testing';
import { withTimeout } from './support/with-timeout';
import { ApiKey, WireConnection, Writer, decodeApiVersionsV0, frame } from './support/wire';

/** mulberry32: tiny, fast and seedable, so a failing run replays with FUZZ_SEED. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAMES = Number(process.env.FUZZ_FRAMES ?? 10_000);
const WORKERS = 8;
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
// About 2 ms per frame on a loaded 2-core machine; longer campaigns get proportionally longer.
const CAMPAIGN_TIMEOUT_MS = Math.max(120_000, FRAMES * 5);

/** ApiVersions v3 is the only flexible request in scope (kcat sends it): header v2, compact strings. */
function apiVersionsV3(correlationId: number): Buffer {
  const compact = (s: string): Buffer => new Writer().uvarint(Buffer.byteLength(s) + 1).raw(Buffer.from(s)).build();
  const payload = new Writer()
    .int16(ApiKey.ApiVersions)
    .int16(3)
    .int32(correlationId)
    .string('fuzz')
    .uvarint(0)
    .raw(compact('fuzzer'))
    .raw(compact('1.0'))
    .uvarint(0)
    .build();
  return new Writer().int32(payload.length).raw(payload).build();
}

type Mutation = (valid: Buffer, rnd: () => number) => { bytes: Buffer; thenClose: boolean };

const int = (rnd: () => number, max: number): number => Math.floor(rnd() * max);

function withLength(payload: Buffer, length = payload.length): Buffer {
  const b = Buffer.alloc(4 + payload.length);
  b.writeInt32BE(length | 0, 0);
  payload.copy(b, 4);
  return b;
}

const mutations: Record<string, Mutation> = {
  bitFlips: (valid, rnd) => {
    const b = Buffer.from(valid);
    for (let i = 0, n = 1 + int(rnd, 8); i < n; i++) {
      const at = 4 + int(rnd, b.length - 4);
      b[at] ^= 1 << int(rnd, 8);
    }
    return { bytes: b, thenClose: false };
  },
  randomBytes: (valid, rnd) => {
    const b = Buffer.from(valid);
    for (let i = 0, n = 1 + int(rnd, 16); i < n; i++) b[4 + int(rnd, b.length - 4)] = int(rnd, 256);
    return { bytes: b, thenClose: false };
  },
  // Array lengths, string lengths and counts are where parsers over-allocate or loop forever.
  hugeInt32: (valid, rnd) => {
    const b = Buffer.from(valid);
    const values = [0x7fffffff, -1, -2, 0x10000, 0x7fff, 1_000_000];
    const at = 8 + int(rnd, Math.max(1, b.length - 12));
    if (at + 4 <= b.length) b.writeInt32BE(values[int(rnd, values.length)], at);
    return { bytes: b, thenClose: false };
  },
  hugeInt16: (valid, rnd) => {
    const b = Buffer.from(valid);
    const at = 12 + int(rnd, Math.max(1, b.length - 14));
    if (at + 2 <= b.length) b.writeInt16BE([0x7fff, -1, -2, 0x100][int(rnd, 4)], at);
    return { bytes: b, thenClose: false };
  },
  truncatedThenDisconnect: (valid, rnd) => ({ bytes: valid.subarray(0, int(rnd, valid.length)), thenClose: true }),
  bodyTruncatedLengthFixed: (valid, rnd) => ({ bytes: withLength(valid.subarray(4, 4 + 4 + int(rnd, Math.max(1, valid.length - 8)))), thenClose: false }),
  lengthTooLarge: (valid, rnd) => ({ bytes: withLength(valid.subarray(4), valid.length - 4 + 1 + int(rnd, 64)), thenClose: true }),
  lengthTooSmall: (valid, rnd) => ({ bytes: withLength(valid.subarray(4), int(rnd, valid.length - 4)), thenClose: false }),
  oversizeLength: (_valid, rnd) => ({
    bytes: withLength(Buffer.alloc(int(rnd, 64), 0x41), [0x7fffffff, 0x40000000, 200 * 1024 * 1024, -1, -0x7fffffff][int(rnd, 5)]),
    thenClose: true,
  }),
  garbage: (_valid, rnd) => ({ bytes: Buffer.from(Array.from({ length: int(rnd, 2048) }, () => int(rnd, 256))), thenClose: true }),
  randomKeyAndVersion: (_valid, rnd) => {
    const body = Buffer.from(Array.from({ length: int(rnd, 256) }, () => int(rnd, 256)));
    return { bytes: frame(int(rnd, 80) - 5, int(rnd, 30) - 5, int(rnd, 1 << 30), body, rnd() < 0.1 ? 'x'.repeat(int(rnd, 300)) : 'fuzz'), thenClose: false };
  },
  headerSplice: (valid, rnd) => {
    const b = Buffer.from(valid);
    if (b.length >= 8) b.writeInt16BE(int(rnd, 25), 4);
    return { bytes: b, thenClose: false };
  },
  versionShift: (valid, rnd) => {
    const b = Buffer.from(valid);
    if (b.length >= 8) b.writeInt16BE(int(rnd, 14), 6);
    return { bytes: b, thenClose: false };
  },
  unchanged: (valid) => ({ bytes: valid, thenClose: false }),
};
const mutationNames = Object.keys(mutations);

/** Sends a few frames on one connection, half-closes, and waits (bounded) for the broker to finish. */
async function fuzzConnection(host: string, port: number, frames: { bytes: Buffer; thenClose: boolean }[]): Promise<void> {
  const socket: Socket = connect({ host, port });
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await Promise.race([new Promise<void>((resolve) => socket.once('connect', () => resolve())), closed]);
  for (const f of frames) {
    if (socket.destroyed) break;
    socket.write(f.bytes);
    if (f.thenClose) break;
  }
  socket.end();
  // A mutated Fetch or JoinGroup may legitimately park: do not wait for it forever.
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 300))]);
  socket.destroy();
}

describe('embedded broker under fuzzed frames', () => {
  const dataDir = makeTempDir('fuzz');
  let broker: BrokerProcess;

  beforeAll(async () => {
    broker = await startBrokerProcess({ dataDir: dataDir.path });
  });

  afterAll(async () => {
    if (broker.exitCode() === null) await broker.kill('SIGKILL');
    dataDir.remove();
  });

  async function answersApiVersions(): Promise<boolean> {
    const wire = await WireConnection.open(broker.host, broker.port);
    try {
      const response = await withTimeout(wire.request(ApiKey.ApiVersions, 0, Buffer.alloc(0)), 5_000, 'ApiVersions during fuzzing');
      return decodeApiVersionsV0(response.body).errorCode === 0;
    } finally {
      wire.close();
    }
  }

  async function recordValidFrames(): Promise<RecordedFrame[]> {
    const recorded: RecordedFrame[] = [];
    const kafka = kafkaFor(broker.bootstrap, 'fuzz-seed', { socketFactory: recordingSocketFactory(recorded) });
    const topic = uniqueName('fuzz-seed');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }, { topic: `${topic}-doomed` }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'v', headers: { h: 'x' } }] });
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages: [{ value: 'zipped' }, { value: null }] });
    await producer.disconnect();
    const groupId = uniqueName('fuzz-group');
    const consumer = kafka.consumer({ groupId, heartbeatInterval: 100, maxWaitTimeInMs: 100 });
    let consumed = 0;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async () => void consumed++ });
    await waitFor(() => consumed >= 3 && recorded.some((f) => f.apiKey === ApiKey.Heartbeat), { timeoutMs: 20_000, message: 'seed consumer' });
    await consumer.disconnect();
    await admin.describeGroups([groupId]);
    await admin.listGroups();
    await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.deleteTopics({ topics: [`${topic}-doomed`] });
    await admin.disconnect();
    return recorded;
  }

  it(`survives ${FRAMES} random and mutated frames and keeps serving a healthy client`, async () => {
    console.log(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
    const rnd = seededRandom(SEED);
    const seeds = await recordValidFrames();
    const keysSeen = new Set(seeds.map((f) => f.apiKey));
    for (const key of Object.values(ApiKey)) {
      expect({ key, recorded: keysSeen.has(key) }).toEqual({ key, recorded: true });
    }
    const valid = [...seeds.map((f) => f.bytes), apiVersionsV3(7), apiVersionsV3(8)];

    // Every connection's frames are drawn up front, so a seed replays the same bytes whatever
    // the interleaving of the concurrent connections.
    const connections: { bytes: Buffer; thenClose: boolean }[][] = [];
    const usage = new Map<string, number>();
    let drawn = 0;
    while (drawn < FRAMES) {
      const batch: { bytes: Buffer; thenClose: boolean }[] = [];
      for (let i = 0, n = 1 + int(rnd, 40); i < n && drawn < FRAMES; i++) {
        const name = mutationNames[int(rnd, mutationNames.length)];
        const mutated = mutations[name](valid[int(rnd, valid.length)], rnd);
        usage.set(name, (usage.get(name) ?? 0) + 1);
        batch.push(mutated);
        drawn++;
        if (mutated.thenClose) break;
      }
      connections.push(batch);
    }

    let sent = 0;
    let nextCheck = 1_000;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < connections.length) {
        const batch = connections[next++];
        await fuzzConnection(broker.host, broker.port, batch);
        sent += batch.length;
        if (sent >= nextCheck) {
          nextCheck += 1_000;
          if (broker.exitCode() !== null) throw new Error(`broker exited (${broker.exitCode()}) after ${sent} frames, seed ${SEED}:\n${broker.output().slice(-4_000)}`);
          expect(await answersApiVersions()).toBe(true);
        }
      }
    };
    await withTimeout(Promise.all(Array.from({ length: WORKERS }, worker)), CAMPAIGN_TIMEOUT_MS, `fuzzing with seed ${SEED}`);

    expect(sent).toBe(FRAMES);
    console.log(`fuzz: ${sent} frames over ${connections.length} connections`);
    for (const name of mutationNames) expect({ name, used: (usage.get(name) ?? 0) > 0 }).toEqual({ name, used: true });
    expect({ exitCode: broker.exitCode(), seed: SEED }).toEqual({ exitCode: null, seed: SEED });
    expect(await answersApiVersions()).toBe(true);

    const healthy: Kafka = kafkaFor(broker.bootstrap, 'after-fuzz');
    const topic = uniqueName('after-fuzz');
    const producer = healthy.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();
    const values: string[] = [];
    const consumer = healthy.consumer({ groupId: uniqueName('after-fuzz'), maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
      await waitFor(() => values.length >= 100, { timeoutMs: 20_000, message: `100 messages after fuzzing (seed ${SEED})` });
    } finally {
      await consumer.disconnect();
    }
    // Keys spread the messages over the auto-created topic's partitions: order holds per partition only.
    expect(values.sort()).toEqual(Array.from({ length: 100 }, (_, i) => `v${i}`).sort());
    expect(broker.exitCode()).toBeNull();
  }, CAMPAIGN_TIMEOUT_MS + 60_000);
});
