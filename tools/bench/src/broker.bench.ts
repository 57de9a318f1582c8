// Benchmark of the embedded broker (tools/embedded-kafka): 1 KB messages produced and consumed
// with kafkajs and with kcat (librdkafka), the broker's CPU while consumers long-poll on idle
// topics, its peak RSS, and a baseline measured in the same run (the same bytes through a raw
// loopback TCP connection, and written to a file) so figures compare across machines.
//
// The broker runs as a child process so its CPU and memory are its own (/proc/<pid>).
// Run: npm run bench:broker   (BENCH_MESSAGES=50000 for a shorter run)
//      BENCH_MESSAGE_BYTES=204800 npm run bench:broker   (large messages, documents-sized: the
//      message count then defaults to ~200 MB per phase and each send carries ~1 MiB)
//      BENCH_BROKER_CLI=/path/to/cli.js   (run against another build of the broker)
//      BENCH_PHASES=small,documents   (a subset of throughput,small,documents; default all)
// Two phases measure the broker's cost per operation in the services' own patterns:
// - small: one 300 B message per kafkajs send with acks=-1, one send at a time (latency p50/p99)
//   then 8 in flight, as reimbursements' access traces and the outbox relays produce
//   (BENCH_SMALL_PRODUCES, default 5,000);
// - documents: kcat (librdkafka, acks=-1, the documents bench's flags) produces 200 KB messages
//   to 3 partitions while a kafkajs consumer with the documents service's fetch sizes reads them
//   (BENCH_DOCUMENTS, default 2,000): the broker's user and system CPU and page faults per message.
import { spawn } from 'node:child_process';
import { closeSync, createWriteStream, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { Server, Socket, connect, createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { processCpuSeconds, processStat, round, startBrokerProcess } from './support/processes';

const MESSAGE_BYTES = Number(process.env.BENCH_MESSAGE_BYTES ?? 1024);
// ~200 MB per phase whatever the size (200,000 messages of 1 KB, 1,000 of 200 KB).
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? Math.max(100, Math.round(200_000 * (1024 / MESSAGE_BYTES))));
// Messages per producer.send(): 1,000 of 1 KB; for large messages about 1 MiB per send, the
// size librdkafka batches by default (batch.size), so both clients send comparable requests.
const SEND_BATCH = Number(process.env.BENCH_SEND_BATCH ?? Math.max(1, Math.min(1_000, Math.floor((1024 * 1024) / MESSAGE_BYTES))));
const SENDS_IN_FLIGHT = 4;
const PARTITIONS = 6;
const IDLE_WINDOW_MS = 5_000;
const KCAT = process.env.KCAT_PATH ?? '/usr/bin/kcat';
const PHASES = new Set((process.env.BENCH_PHASES ?? 'throughput,small,documents').split(',').map((p) => p.trim()));
const SMALL_PRODUCES = Number(process.env.BENCH_SMALL_PRODUCES ?? 5_000);
const SMALL_BYTES = 300;
const SMALL_IN_FLIGHT = 8;
const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 2_000);
const DOCUMENT_BYTES = 200 * 1024;

function log(line: string): void {
  console.log(line);
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

function payload(i: number): Buffer {
  const b = Buffer.alloc(MESSAGE_BYTES, 0x61 + (i % 26));
  b.write(String(i).padStart(10, '0'));
  return b;
}

interface Phase {
  seconds: number;
  brokerCpuSeconds: number;
  /** CPU of this process (the kafkajs clients), to tell which side is the bottleneck. */
  clientCpuSeconds: number;
}

async function timed(pid: number, work: () => Promise<void>): Promise<Phase> {
  const cpu0 = processCpuSeconds(pid) ?? 0;
  const client0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const client = process.cpuUsage(client0);
  return { seconds, brokerCpuSeconds: (processCpuSeconds(pid) ?? cpu0) - cpu0, clientCpuSeconds: (client.user + client.system) / 1e6 };
}

function phaseLine(name: string, phase: Phase, count: number, megabytes: number, clientIsThisProcess = true): string {
  const cpu = (s: number): string => `${round((100 * s) / phase.seconds)} %`;
  const client = clientIsThisProcess ? `, client CPU ${cpu(phase.clientCpuSeconds)}` : '';
  const clientRate = clientIsThisProcess ? `, client ${round(count / Math.max(phase.clientCpuSeconds, 0.001))}` : '';
  return `${name}: ${round(count / phase.seconds)} msg/s, ${round(megabytes / phase.seconds, 1)} MB/s (broker CPU ${cpu(phase.brokerCpuSeconds)}${client}; msg per CPU-second: broker ${round(count / Math.max(phase.brokerCpuSeconds, 0.001))}${clientRate})`;
}

async function produceWithKafkajs(kafka: Kafka, topic: string, count: number): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + SEND_BATCH);
      const messages = [];
      for (let i = start; i < next; i++) messages.push({ key: `k${i % 100}`, value: payload(i) });
      await producer.send({ topic, acks: -1, messages });
    }
  };
  await Promise.all(Array.from({ length: SENDS_IN_FLIGHT }, lane));
  await producer.disconnect();
}

async function consumeWithKafkajs(kafka: Kafka, topic: string, count: number, onJoined?: () => void): Promise<{ done: Promise<void>; stop: () => Promise<void> }> {
  const consumer = kafka.consumer({
    groupId: `bench-${topic}-${Date.now()}`,
    maxBytes: 64 * 1024 * 1024,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  let seen = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((r) => (finish = r));
  consumer.on(consumer.events.GROUP_JOIN, () => onJoined?.());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommitInterval: 1_000,
    partitionsConsumedConcurrently: 1,
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (seen >= count) finish();
    },
  });
  return { done, stop: () => consumer.disconnect() };
}

function runKcat(args: string[], stdinFile?: string): Promise<{ code: number | null; stdoutLines: number; stderr: string }> {
  return new Promise((resolveRun) => {
    const input = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
    const child = spawn(KCAT, args, { stdio: [input, 'pipe', 'pipe'] });
    let lines = 0;
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => {
      for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++;
    });
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (typeof input === 'number') closeSync(input);
      resolveRun({ code, stdoutLines: lines, stderr });
    });
  });
}

async function endOffsetSum(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The same bytes as one kafkajs phase, through a bare loopback TCP connection. */
async function tcpBaselineMbPerS(totalBytes: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let received = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const server: Server = createServer((socket) => {
    socket.on('data', (c: Buffer) => {
      received += c.length;
      if (received >= totalBytes) done();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  const client: Socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((r) => client.once('connect', () => r()));
  const t0 = process.hrtime.bigint();
  let sent = 0;
  while (sent < totalBytes) {
    if (!client.write(chunk)) await new Promise<void>((r) => client.once('drain', () => r()));
    sent += chunk.length;
  }
  await finished;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  client.destroy();
  server.close();
  return totalBytes / 1e6 / seconds;
}

/** The same bytes appended to a file and fsynced: what the broker's storage cannot beat. */
function fileBaselineMbPerS(dir: string, totalBytes: number): number {
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  const file = join(dir, 'baseline.bin');
  const fd = openSync(file, 'w');
  const t0 = process.hrtime.bigint();
  for (let written = 0; written < totalBytes; written += chunk.length) writeSync(fd, chunk);
  fsyncSync(fd);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(fd);
  rmSync(file);
  return totalBytes / 1e6 / seconds;
}

async function writeKcatInput(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    // kcat splits on \n: 1023 payload bytes + the delimiter keeps each message at 1 KB on disk.
    const line = payload(i).subarray(0, MESSAGE_BYTES - 1);
    if (!out.write(Buffer.concat([line, Buffer.from('\n')]))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

interface SmallProduceFigures {
  oneAtATime: { perSecond: number; brokerUsPerProduce: number; brokerUserUs: number; brokerSystemUs: number; p50Ms: number; p99Ms: number };
  inFlight: { perSecond: number; brokerUsPerProduce: number; brokerUserUs: number; brokerSystemUs: number };
}

/** Small acks=-1 produces: the broker's CPU per produce and the latency of one at a time. */
async function smallProduces(kafka: Kafka, pid: number): Promise<SmallProduceFigures> {
  const topic = 'bench-small';
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const value = Buffer.alloc(SMALL_BYTES, 0x61);
  const send = (i: number): Promise<unknown> => producer.send({ topic, acks: -1, messages: [{ key: `k${i % 100}`, value }] });
  // Warm-up: the topic, connections and the broker's JIT.
  for (let i = 0; i < 200; i++) await send(i);
  const perProduce = (before: ReturnType<typeof processStat>, after: ReturnType<typeof processStat>): { total: number; user: number; system: number } => ({
    total: round(((after.user + after.system - before.user - before.system) * 1e6) / SMALL_PRODUCES),
    user: round(((after.user - before.user) * 1e6) / SMALL_PRODUCES),
    system: round(((after.system - before.system) * 1e6) / SMALL_PRODUCES),
  });
  const latencies: number[] = [];
  let stat0 = processStat(pid);
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < SMALL_PRODUCES; i++) {
    const t = process.hrtime.bigint();
    await send(i);
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const oneSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const one = perProduce(stat0, processStat(pid));
  latencies.sort((a, b) => a - b);
  stat0 = processStat(pid);
  t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: SMALL_IN_FLIGHT }, async () => {
      while (next < SMALL_PRODUCES) await send(next++);
    }),
  );
  const manySeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const many = perProduce(stat0, processStat(pid));
  await producer.disconnect();
  return {
    oneAtATime: {
      perSecond: round(SMALL_PRODUCES / oneSeconds),
      brokerUsPerProduce: one.total,
      brokerUserUs: one.user,
      brokerSystemUs: one.system,
      p50Ms: round(latencies[Math.floor(latencies.length / 2)], 2),
      p99Ms: round(latencies[Math.floor(latencies.length * 0.99)], 2),
    },
    inFlight: { perSecond: round(SMALL_PRODUCES / manySeconds), brokerUsPerProduce: many.total, brokerUserUs: many.user, brokerSystemUs: many.system },
  };
}

interface DocumentFigures {
  perSecond: number;
  mbPerSecond: number;
  brokerMsPerMessage: number;
  brokerUserMs: number;
  brokerSystemMs: number;
  brokerMinorFaultsPerMessage: number;
}

/** 200 KB messages: kcat -> broker -> kafkajs consumer at the same time, the documents pipeline's pattern. */
async function documentMessages(kafka: Kafka, bootstrap: string, pid: number, workDir: string): Promise<DocumentFigures> {
  const topic = 'bench-documents';
  const keyDelimiter = 'BENCHKEY\u0001';
  const messageDelimiter = 'BENCHMSG\u0001';
  const input = join(workDir, 'documents-input.bin');
  const out = createWriteStream(input);
  for (let i = 0; i < DOCUMENTS; i++) {
    // Incompressible-looking bytes (a PDF's are), none of them the delimiters' 0x01.
    const value = Buffer.allocUnsafe(DOCUMENT_BYTES);
    let x = (i + 1) * 2654435761;
    for (let j = 0; j < DOCUMENT_BYTES; j += 4) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      value.writeUInt32LE((x | 0x02020202) >>> 0, j);
    }
    const chunk = Buffer.concat([Buffer.from(`doc-${i % 1000}${keyDelimiter}`), value, Buffer.from(messageDelimiter)]);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  // The documents service's consumer settings (DOCUMENTS_KAFKA_FETCH_BYTES_PER_PARTITION).
  const consumer = kafka.consumer({ groupId: `bench-documents-${Date.now()}`, maxBytes: 64 * 1024 * 1024, maxBytesPerPartition: 16 * 1024 * 1024, maxWaitTimeInMs: 1000 });
  let seen = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((r) => (finish = r));
  let joined: () => void = () => undefined;
  const isJoined = new Promise<void>((r) => (joined = r));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (seen >= DOCUMENTS) finish();
    },
  });
  await isJoined;
  const stat0 = processStat(pid);
  const t0 = process.hrtime.bigint();
  const produced = await runKcat(['-P', '-b', bootstrap, '-t', topic, '-l', '-K', keyDelimiter, '-D', messageDelimiter, '-H', 'event-type=documents.submissions', '-X', 'linger.ms=5', '-X', 'queue.buffering.max.messages=1000000', input]);
  if (produced.code !== 0) throw new Error(`kcat -P exited ${produced.code}: ${produced.stderr}`);
  await done;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const stat1 = processStat(pid);
  await consumer.disconnect();
  rmSync(input);
  if (seen !== DOCUMENTS) throw new Error(`the consumer read ${seen} of ${DOCUMENTS} messages`);
  const perMessage = (seconds: number): number => round((seconds * 1000) / DOCUMENTS, 3);
  return {
    perSecond: round(DOCUMENTS / seconds),
    mbPerSecond: round((DOCUMENTS * DOCUMENT_BYTES) / 1e6 / seconds, 1),
    brokerMsPerMessage: perMessage(stat1.user + stat1.system - stat0.user - stat0.system),
    brokerUserMs: perMessage(stat1.user - stat0.user),
    brokerSystemMs: perMessage(stat1.system - stat0.system),
    brokerMinorFaultsPerMessage: round((stat1.minorFaults - stat0.minorFaults) / DOCUMENTS, 1),
  };
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'bench-broker-'));
  const dataDir = join(workDir, 'data');
  // BENCH_BROKER_CLI: another build of the broker (say, the previous commit's) for an A/B run.
  const broker = await startBrokerProcess(dataDir, { cli: process.env.BENCH_BROKER_CLI, args: ['--partitions', '3'] });
  const mb = (MESSAGES * MESSAGE_BYTES) / 1e6;
  log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => round(l, 2)).join(' ')} (other processes share these cores)`);
  log(`broker pid ${broker.pid} at ${broker.bootstrap}${process.env.BENCH_BROKER_CLI ? ` (${process.env.BENCH_BROKER_CLI})` : ''}; phases: ${[...PHASES].join(', ')}`);
  const kafka = new Kafka({ clientId: 'bench', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      ...['bench-kafkajs', 'bench-e2e', 'bench-kcat', 'bench-idle'].map((topic) => ({ topic, numPartitions: PARTITIONS })),
      { topic: 'bench-small', numPartitions: 3 },
      { topic: 'bench-documents', numPartitions: 3 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();

  const json: Record<string, unknown> = { bench: 'broker', phases: [...PHASES] };
  try {
    if (PHASES.has('small')) {
      const small = await smallProduces(kafka, broker.pid);
      const one = small.oneAtATime;
      const many = small.inFlight;
      log(
        `small acks=-1 produces (${SMALL_PRODUCES} x ${SMALL_BYTES} B, kafkajs, one message per send): one at a time ${one.perSecond}/s, p50 ${one.p50Ms} ms, p99 ${one.p99Ms} ms, broker ${one.brokerUsPerProduce} µs CPU per produce (user ${one.brokerUserUs}, system ${one.brokerSystemUs}); ` +
          `${SMALL_IN_FLIGHT} in flight ${many.perSecond}/s, broker ${many.brokerUsPerProduce} µs per produce (user ${many.brokerUserUs}, system ${many.brokerSystemUs})`,
      );
      Object.assign(json, {
        small_produces: SMALL_PRODUCES,
        small_one_at_a_time_per_s: one.perSecond,
        small_one_at_a_time_p50_ms: one.p50Ms,
        small_one_at_a_time_p99_ms: one.p99Ms,
        small_one_at_a_time_broker_us_per_produce: one.brokerUsPerProduce,
        small_one_at_a_time_broker_user_us: one.brokerUserUs,
        small_one_at_a_time_broker_system_us: one.brokerSystemUs,
        small_in_flight_per_s: many.perSecond,
        small_in_flight_broker_us_per_produce: many.brokerUsPerProduce,
      });
    }

    if (PHASES.has('documents')) {
      const docs = await documentMessages(kafka, broker.bootstrap, broker.pid, workDir);
      log(
        `documents pattern (${DOCUMENTS} x 200 KB, kcat acks=-1 -> 3 partitions -> kafkajs consumer with 16 MiB per partition, at the same time): ${docs.perSecond} messages/s, ${docs.mbPerSecond} MB/s; ` +
          `broker ${docs.brokerMsPerMessage} ms CPU per message (user ${docs.brokerUserMs}, system ${docs.brokerSystemMs}), ${docs.brokerMinorFaultsPerMessage} minor page faults per message`,
      );
      Object.assign(json, {
        documents: DOCUMENTS,
        documents_per_s: docs.perSecond,
        documents_mb_per_s: docs.mbPerSecond,
        documents_broker_ms_per_message: docs.brokerMsPerMessage,
        documents_broker_user_ms: docs.brokerUserMs,
        documents_broker_system_ms: docs.brokerSystemMs,
        documents_broker_minor_faults_per_message: docs.brokerMinorFaultsPerMessage,
      });
    }

    if (PHASES.has('throughput')) {
      log(`throughput: ${MESSAGES} messages of ${MESSAGE_BYTES} B (${round(mb)} MB) per phase`);
      // kafkajs: produce, then consume what was produced.
      const produce = await timed(broker.pid, () => produceWithKafkajs(kafka, 'bench-kafkajs', MESSAGES));
      const produced = await endOffsetSum(kafka, 'bench-kafkajs');
      if (produced !== MESSAGES) throw new Error(`kafkajs produced ${produced} of ${MESSAGES}`);
      const consume = await timed(broker.pid, async () => {
        const c = await consumeWithKafkajs(kafka, 'bench-kafkajs', MESSAGES);
        await c.done;
        await c.stop();
      });
      log(phaseLine('kafkajs produce', produce, MESSAGES, mb));
      log(phaseLine('kafkajs consume', consume, MESSAGES, mb));

      // kafkajs end to end: a joined consumer drains while the producer sends.
      let joined: () => void = () => undefined;
      const isJoined = new Promise<void>((r) => (joined = r));
      const e2eConsumer = await consumeWithKafkajs(kafka, 'bench-e2e', MESSAGES, () => joined());
      await isJoined;
      const e2e = await timed(broker.pid, async () => {
        await produceWithKafkajs(kafka, 'bench-e2e', MESSAGES);
        await e2eConsumer.done;
      });
      await e2eConsumer.stop();
      log(phaseLine('kafkajs end to end (produce while consuming)', e2e, MESSAGES, mb));

      // kcat (librdkafka): produce from a file, then consume from the beginning to the end.
      const inputFile = join(workDir, 'kcat-input.txt');
      await writeKcatInput(inputFile, MESSAGES);
      let kcatProduced = { code: null as number | null, stdoutLines: 0, stderr: '' };
      const kcatProduce = await timed(broker.pid, async () => {
        kcatProduced = await runKcat(['-b', broker.bootstrap, '-P', '-t', 'bench-kcat', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'queue.buffering.max.messages=1000000'], inputFile);
      });
      const kcatStored = await endOffsetSum(kafka, 'bench-kcat');
      if (kcatProduced.code !== 0 || kcatStored !== MESSAGES) throw new Error(`kcat -P: exit ${kcatProduced.code}, ${kcatStored} of ${MESSAGES} stored\n${kcatProduced.stderr}`);
      let kcatConsumed = 0;
      const kcatConsume = await timed(broker.pid, async () => {
        const result = await runKcat(['-b', broker.bootstrap, '-C', '-t', 'bench-kcat', '-o', 'beginning', '-e', '-q', '-f', '%o\\n']);
        kcatConsumed = result.stdoutLines;
        if (result.code !== 0) throw new Error(`kcat -C exited ${result.code}: ${result.stderr}`);
      });
      if (kcatConsumed !== MESSAGES) throw new Error(`kcat -C read ${kcatConsumed} of ${MESSAGES}`);
      log(phaseLine('kcat produce', kcatProduce, MESSAGES, mb, false));
      log(phaseLine('kcat consume', kcatConsume, MESSAGES, mb, false));

      // Idle: two kafkajs consumers long-polling (default 5 s maxWait) on a topic nobody writes.
      const idleKafka = new Kafka({ clientId: 'bench-idle', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      let joinedCount = 0;
      let bothJoined: () => void = () => undefined;
      const idleReady = new Promise<void>((r) => (bothJoined = r));
      const idleConsumers = [idleKafka.consumer({ groupId: 'bench-idle' }), idleKafka.consumer({ groupId: 'bench-idle' })];
      for (const consumer of idleConsumers) {
        consumer.on(consumer.events.GROUP_JOIN, () => {
          joinedCount++;
          if (joinedCount >= 2) bothJoined();
        });
        await consumer.connect();
        await consumer.subscribe({ topic: 'bench-idle' });
        await consumer.run({ eachMessage: async () => undefined });
      }
      await idleReady;
      const idle = await timed(broker.pid, () => new Promise((r) => setTimeout(r, IDLE_WINDOW_MS)));
      await Promise.all(idleConsumers.map((c) => c.disconnect()));
      const idleCpuPct = (100 * idle.brokerCpuSeconds) / idle.seconds;
      log(`broker idle CPU with 2 long-polling kafkajs consumers over ${round(idle.seconds, 1)} s: ${round(idleCpuPct, 2)} % (${round(idle.brokerCpuSeconds * 1000)} ms CPU)`);

      // Baselines: the same bytes through loopback TCP and onto disk, in this run on this machine.
      const tcpMbPerS = await tcpBaselineMbPerS(MESSAGES * MESSAGE_BYTES);
      const fileMbPerS = fileBaselineMbPerS(workDir, MESSAGES * MESSAGE_BYTES);
      const e2eMbPerS = mb / e2e.seconds;
      log(`baseline: raw loopback TCP ${round(tcpMbPerS)} MB/s, file write + fsync ${round(fileMbPerS)} MB/s`);
      log(`ratio kafkajs end to end / raw TCP: ${round(e2eMbPerS / tcpMbPerS, 3)}; / file write: ${round(e2eMbPerS / fileMbPerS, 3)}`);
      Object.assign(json, {
        messages: MESSAGES,
        message_bytes: MESSAGE_BYTES,
        kafkajs_produce_msgs_per_s: round(MESSAGES / produce.seconds),
        kafkajs_produce_mb_per_s: round(mb / produce.seconds, 1),
        kafkajs_consume_msgs_per_s: round(MESSAGES / consume.seconds),
        kafkajs_consume_mb_per_s: round(mb / consume.seconds, 1),
        kafkajs_end_to_end_msgs_per_s: round(MESSAGES / e2e.seconds),
        kafkajs_end_to_end_broker_cpu_pct: round((100 * e2e.brokerCpuSeconds) / e2e.seconds),
        kafkajs_end_to_end_client_cpu_pct: round((100 * e2e.clientCpuSeconds) / e2e.seconds),
        broker_msgs_per_cpu_s_kafkajs_e2e: round(MESSAGES / Math.max(e2e.brokerCpuSeconds, 0.001)),
        // What one fully available core would give each side: the lower one is the bottleneck.
        kafkajs_client_msgs_per_cpu_s_e2e: round(MESSAGES / Math.max(e2e.clientCpuSeconds, 0.001)),
        kafkajs_mb_per_s: round(e2eMbPerS, 1),
        kcat_produce_msgs_per_s: round(MESSAGES / kcatProduce.seconds),
        kcat_produce_mb_per_s: round(mb / kcatProduce.seconds, 1),
        kcat_consume_msgs_per_s: round(MESSAGES / kcatConsume.seconds),
        kcat_consume_mb_per_s: round(mb / kcatConsume.seconds, 1),
        idle_cpu_pct: round(idleCpuPct, 2),
        baseline_tcp_mb_per_s: round(tcpMbPerS),
        baseline_file_mb_per_s: round(fileMbPerS),
        baseline_ratio: round(e2eMbPerS / tcpMbPerS, 3),
      });
    }

    const rss = peakRssMb(broker.pid);
    log(`broker peak RSS: ${round(rss, 1)} MB`);
    Object.assign(json, { peak_rss_mb: round(rss, 1), load_average_1m: round(loadavg()[0], 2), cpus: cpus().length });
    console.log(JSON.stringify(json));
  } finally {
    broker.child.kill('SIGTERM');
    await new Promise<void>((r) => {
      const timer = setTimeout(() => {
        broker.child.kill('SIGKILL');
        r();
      }, 10_000);
      broker.child.once('exit', () => {
        clearTimeout(timer);
        r();
      });
    });
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
