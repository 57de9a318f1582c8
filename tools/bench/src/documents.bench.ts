// Benchmark of documents, end to end: submissions produced to dmp.documents.submissions.v1 until
// filed (metadata in PostgreSQL, body in the blob store) and their document-added events
// published (read back from Kafka by this bench), for 10 KB bodies (JSON encoding, base64 inline)
// and 200 KB bodies (binary encoding, and JSON for comparison).
//
// Producer: kcat (librdkafka), as an establishment's client would be (librdkafka or Java, not
// kafkajs); the kafkajs producer's own cost on the same messages is printed too. Broker: the
// embedded broker's CLI as a child process, so that each process's CPU is measured on its own.
// Baseline (ratio): the same messages produced by kcat and consumed by a kafkajs consumer (the
// service's client) through the same broker, in the same run.
//
// 200 KB binary bodies run in rounds (BENCH_DOCS_200K_ROUNDS, default 5, of BENCH_DOCS_200K documents
// each, default 2,500), each round followed by its own raw baseline: the figure is the median
// round, printed with the lowest and highest, since one short run on a machine whose disk
// writeback comes and goes varied from 320 to 593 documents/s with the same code.
//
// Run: npm run bench:documents. Environment: BENCH_DOCS_10K=4000, BENCH_DOCS_200K=2500 (binary, per
// round), BENCH_DOCS_200K_ROUNDS=5, BENCH_DOCS_SYNC=1 (0: no sync(1) before timed segments, so
// each pays the writeback left by the ones before it, as a long stream does), BENCH_DOCS_200K_JSON=500 (0 skips), BENCH_DOCS_BODY=text|pdf (pdf: incompressible bodies),
// BENCH_DOCS_STORE=packs|files|postgres (blob store, default packs), BENCH_DOCS_SERVICE_ENV='{"K":"V"}'
// (more service environment, e.g. NODE_OPTIONS=--require <profiler>), BENCH_INSTANCES=2 (service
// processes in one consumer group).
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Consumer, Kafka, Producer, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { DocumentSubmissionEvent, DocumentSubmissionPayload, EventEnvelope, RecordOpenedEvent, Topics, createEvent, encodeBinarySubmission, serializeEvent } from '@dmp/contracts';
import { ActorRole, CpamCode, DocumentFormat, DocumentType, EstablishmentCategory, Ins, OpeningChannel, Profession, establishmentKindOf, generateFiness, generateIns, generateRpps, seededRandom } from '@dmp/domain';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '@dmp/persistence';
import { freePort, startServiceProcess, waitFor } from '@dmp/testing';
import { processCpuSeconds, processStat, round, startBrokerProcess, treeCpuSeconds } from './support/processes';

const DOCS_10K = Number(process.env.BENCH_DOCS_10K ?? 4_000);
const DOCS_200K = Number(process.env.BENCH_DOCS_200K ?? 2_500);
const ROUNDS_200K = Math.max(1, Number(process.env.BENCH_DOCS_200K_ROUNDS ?? 5));
const SYNC_BEFORE_SEGMENTS = process.env.BENCH_DOCS_SYNC !== '0';
const DOCS_200K_JSON = Number(process.env.BENCH_DOCS_200K_JSON ?? 500);
const BODY_KIND = process.env.BENCH_DOCS_BODY === 'pdf' ? 'pdf' : 'text';
const STORE = process.env.BENCH_DOCS_STORE === 'postgres' || process.env.BENCH_DOCS_STORE === 'files' ? process.env.BENCH_DOCS_STORE : 'packs';
const KCAT = process.env.KCAT_PATH ?? '/usr/bin/kcat';
const PATIENTS = 500;
const ESTABLISHMENTS = 24;
/** Service processes in one consumer group (BENCH_INSTANCES, default 1). */
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1);
/**
 * The service creates the submissions topic with 3 partitions and consumes 3 at once; with
 * several instances, two partitions each so the group's assignment is even.
 */
const PARTITIONS = INSTANCES > 1 ? 2 * INSTANCES : 3;
const CORES = 2;
const WARM_UP = 50;

type Encoding = 'json' | 'binary';
interface Message {
  key: string;
  value: Buffer;
}
interface Phase {
  label: string;
  name: string;
  bodyBytes: number;
  encoding: Encoding;
  documents: number;
  /** Rounds of `documents` each, every one with its raw baseline; the phase's figure is the median round. */
  rounds: number;
}

function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function submissions(count: number, bodyBytes: number, encoding: Encoding, patients: Ins[], run: string): { messages: Message[]; bodyBytes: number; messageBytes: number } {
  const random = seededRandom(bodyBytes);
  const rpps = generateRpps(random);
  const establishments = Array.from({ length: ESTABLISHMENTS }, (_, i) => {
    const category = [EstablishmentCategory.CHU, EstablishmentCategory.HOSPITAL, EstablishmentCategory.EHPAD][i % 3];
    return { finess: generateFiness(random), kind: establishmentKindOf[category], category };
  });
  let messageBytes = 0;
  const messages = Array.from({ length: count }, (_, i) => {
    // Distinct bodies (the store keeps one copy per hash): a header line then filler text, or
    // with BENCH_DOCS_BODY=pdf a PDF header then random bytes (incompressible, as real PDFs are).
    const head = BODY_KIND === 'pdf' ? `%PDF-1.7 ${run} ${i}\n` : `Compte rendu ${run} ${i}\n`;
    const filler = BODY_KIND === 'pdf' ? randomBytes(bodyBytes - head.length) : Buffer.alloc(bodyBytes - head.length, 'a');
    const body = Buffer.concat([Buffer.from(head), filler]);
    const establishment = establishments[i % ESTABLISHMENTS];
    const document = {
      documentId: `bench-${run}-${i}`,
      ins: patients[i % patients.length],
      type: DocumentType.HOSPITAL_REPORT,
      format: BODY_KIND === 'pdf' ? DocumentFormat.PDF : DocumentFormat.TEXT,
      title: 'Compte rendu hospitalisation',
      author: { rpps, profession: Profession.PHYSICIAN },
      authoredAt: '2026-11-20T10:00:00.000Z',
      sha256: createHash('sha256').update(body).digest('hex'),
      sizeBytes: body.length,
      ...(encoding === 'json' ? { bodyBase64: body.toString('base64') } : {}),
    };
    const envelope = createEvent(
      DocumentSubmissionEvent,
      { submissionId: `bench-${run}-${i}`, establishment, submittedAt: new Date().toISOString(), documents: [document] } as never,
      { producer: 'bench-establishment', correlationId: randomUUID() },
    ) as EventEnvelope<DocumentSubmissionPayload>;
    const value = encoding === 'json' ? Buffer.from(serializeEvent(envelope).value) : encodeBinarySubmission(envelope, [body]);
    messageBytes += value.length;
    return { key: establishment.finess, value };
  });
  return { messages, bodyBytes: bodyBytes * count, messageBytes };
}

/**
 * Writes the messages as kcat's input (key, key delimiter, value, message delimiter) with
 * delimiters found in none of them (binary bodies may hold any byte sequence).
 */
function kcatInput(path: string, messages: Message[]): { keyDelimiter: string; messageDelimiter: string } {
  for (;;) {
    const tag = randomBytes(12).toString('hex');
    const keyDelimiter = `DMPKEY${tag}`;
    const messageDelimiter = `DMPMSG${tag}`;
    if (messages.some((m) => m.value.includes(keyDelimiter) || m.value.includes(messageDelimiter))) continue;
    writeFileSync(path, Buffer.concat(messages.flatMap((m) => [Buffer.from(m.key + keyDelimiter), m.value, Buffer.from(messageDelimiter)])));
    return { keyDelimiter, messageDelimiter };
  }
}

/** Produces a kcat input file to a topic; resolves with kcat's CPU seconds (user + system). */
function kcatProduce(bootstrap: string, topic: string, file: string, delimiters: { keyDelimiter: string; messageDelimiter: string }): Promise<number> {
  const args = [KCAT, '-P', '-b', bootstrap, '-t', topic, '-l', '-K', delimiters.keyDelimiter, '-D', delimiters.messageDelimiter, '-H', 'event-type=documents.submissions', '-H', 'schema-version=1', '-X', 'linger.ms=5', '-X', 'queue.buffering.max.messages=1000000', file];
  // The shell's `times` prints the CPU time of its waited-for children: kcat's, once it exits.
  const child = spawn('/bin/sh', ['-c', '"$@"; status=$?; times; exit $status', 'sh', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const children = stdout.trim().split('\n').at(-1) ?? '';
      const match = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s/.exec(children);
      if (code !== 0 || !match) reject(new Error(`kcat exited ${code}: ${stderr}`));
      else resolve(Number(match[1]) * 60 + Number(match[2]) + Number(match[3]) * 60 + Number(match[4]));
    });
  });
}

/**
 * CPU seconds of one process: user, system, its main thread's (the JavaScript thread), and by
 * thread name (libuv's pool, V8's helpers, ...), from /proc.
 */
function serviceCpuSplit(pid: number): { user: number; system: number; mainThread: number; threads: Map<string, number> } {
  const fields = (path: string): { name: string; rest: string[] } => {
    try {
      const stat = readFileSync(path, 'utf8');
      return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), rest: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
    } catch {
      return { name: '', rest: [] };
    }
  };
  const seconds = (f: { rest: string[] }): number => (Number(f.rest[11] ?? 0) + Number(f.rest[12] ?? 0)) / 100;
  const all = fields(`/proc/${pid}/stat`);
  const threads = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    // ended
  }
  for (const tid of tids) {
    const thread = fields(`/proc/${pid}/task/${tid}/stat`);
    const name = Number(tid) === pid ? 'main' : `${thread.name.replace(/\d+$/, '').trim()}-${Number(tid) - pid}`;
    threads.set(name, (threads.get(name) ?? 0) + seconds(thread));
  }
  return { user: Number(all.rest[11] ?? 0) / 100, system: Number(all.rest[12] ?? 0) / 100, mainThread: threads.get('main') ?? 0, threads };
}

/** V8 collections by kind (major, minor, incremental, weakcb) so far: count and main-thread pause seconds, from the service's /metrics (prom-client's defaults). */
async function gcTotals(url: string): Promise<Map<string, { count: number; seconds: number }>> {
  const totals = new Map<string, { count: number; seconds: number }>();
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const match of text.matchAll(/^nodejs_gc_duration_seconds_(count|sum)\{kind="(\w+)"\} ([\d.e+-]+)$/gm)) {
      const entry = totals.get(match[2]) ?? { count: 0, seconds: 0 };
      if (match[1] === 'count') entry.count = Number(match[3]);
      else entry.seconds = Number(match[3]);
      totals.set(match[2], entry);
    }
  } catch {
    // no figures: the line below says none
  }
  return totals;
}

/** Filing transactions (batches of submissions handled in one transaction) so far and their seconds in all, from the service's /metrics. */
async function filingTransactions(url: string): Promise<{ count: number; seconds: number }> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (suffix: string): number => Number(new RegExp(`^dmp_event_handle_duration_seconds_${suffix}\\{[^}]*topic="dmp\\.documents\\.submissions\\.v1"[^}]*\\} ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
    return { count: value('count'), seconds: value('sum') };
  } catch {
    return { count: 0, seconds: 0 };
  }
}

async function allFilingTransactions(urls: string[]): Promise<{ count: number; seconds: number }> {
  const each = await Promise.all(urls.map(filingTransactions));
  return { count: each.reduce((sum, t) => sum + t.count, 0), seconds: each.reduce((sum, t) => sum + t.seconds, 0) };
}

function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics });
  await admin.disconnect();
}

/**
 * sync(1): writes every dirty page out before a timed segment (a round, or its raw baseline), so
 * that each starts from the same disk state instead of paying for the writeback of what the
 * segments before it wrote (several GB in a run; past the kernel's dirty limits the writer is
 * throttled and charged the writeback as system time).
 */
function syncDisks(): Promise<void> {
  if (!SYNC_BEFORE_SEGMENTS) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const child = spawn('sync', [], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
}

async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
}

/**
 * A kafkajs consumer reading a topic from the beginning, with the service's fetch sizes. `batched`
 * (the read-back of the small document-added events) waits for 256 KB or 100 ms per fetch, so that
 * the bench's own reading takes little of the CPU the path under test shares.
 */
async function countingConsumer(kafka: Kafka, topic: string, onMessage: (value: Buffer | null) => void, batched = false): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId: `bench-${randomUUID()}`,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    ...(batched ? { minBytes: 256 * 1024, maxWaitTimeInMs: 100 } : {}),
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) onMessage(message.value);
    },
  });
  return consumer;
}

interface PhaseResult {
  label: string;
  encoding: Encoding;
  documents: number;
  seconds: number;
  docsPerSecond: number;
  bodyMBPerSecond: number;
  wireMBPerSecond: number;
  rawMessagesPerSecond: number;
  ratio: number;
  /** CPU milliseconds per document, end to end, by process. */
  cpuMsPerDoc: { service: number; postgres: number; broker: number; producer: number; total: number; benchReadingEvents: number };
  /** The service's CPU ms per document split: user and system time, and its main (JavaScript) thread's. */
  serviceCpuMsPerDoc: { user: number; system: number; mainThread: number };
  /** The broker's CPU ms per document split into user and system time, and minor page faults per document of the broker and the service. */
  brokerCpuMsPerDoc: { user: number; system: number };
  minorFaultsPerDoc: { broker: number; service: number };
  /** What 2 cores would do if only this ran: 2,000 ms of CPU a second over the total per document. */
  cpuBoundDocsPerSecond: number;
  rawCpuMsPerDoc: { broker: number; producer: number; consumer: number };
  kafkajsProducerCpuMsPerDoc: number;
  kafkajsProducerBrokerCpuMsPerDoc: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Field by field mean of records of numbers (per-document CPU of rounds of equal size). */
function meanOf<T extends object>(records: T[]): T {
  const first = records[0] as Record<string, number>;
  return Object.fromEntries(Object.keys(first).map((key) => [key, round(records.reduce((sum, r) => sum + (r as Record<string, number>)[key], 0) / records.length, 3)])) as T;
}

/**
 * A phase's figures from its rounds: rates and ratio are the median round's (a round slowed by the
 * disk's writeback or another process counts once), CPU per document the mean of the rounds, the
 * kafkajs producer's cost the first round's (the only one that measures it).
 */
function summarise(label: string, rounds: PhaseResult[]): PhaseResult & { roundDocsPerSecond: number[] } {
  const cpuMsPerDoc = meanOf(rounds.map((r) => r.cpuMsPerDoc));
  return {
    label,
    encoding: rounds[0].encoding,
    documents: rounds.reduce((sum, r) => sum + r.documents, 0),
    seconds: rounds.reduce((sum, r) => sum + r.seconds, 0),
    docsPerSecond: median(rounds.map((r) => r.docsPerSecond)),
    bodyMBPerSecond: median(rounds.map((r) => r.bodyMBPerSecond)),
    wireMBPerSecond: median(rounds.map((r) => r.wireMBPerSecond)),
    rawMessagesPerSecond: median(rounds.map((r) => r.rawMessagesPerSecond)),
    ratio: median(rounds.map((r) => r.ratio)),
    cpuMsPerDoc,
    serviceCpuMsPerDoc: meanOf(rounds.map((r) => r.serviceCpuMsPerDoc)),
    brokerCpuMsPerDoc: meanOf(rounds.map((r) => r.brokerCpuMsPerDoc)),
    minorFaultsPerDoc: meanOf(rounds.map((r) => r.minorFaultsPerDoc)),
    cpuBoundDocsPerSecond: (CORES * 1000) / cpuMsPerDoc.total,
    rawCpuMsPerDoc: meanOf(rounds.map((r) => r.rawCpuMsPerDoc)),
    kafkajsProducerCpuMsPerDoc: rounds[0].kafkajsProducerCpuMsPerDoc,
    kafkajsProducerBrokerCpuMsPerDoc: rounds[0].kafkajsProducerBrokerCpuMsPerDoc,
    roundDocsPerSecond: rounds.map((r) => r.docsPerSecond),
  };
}

async function main(): Promise<void> {
  const phases: Phase[] = (
    [
      { label: '10 KB JSON', name: '10k-json', bodyBytes: 10 * 1024, encoding: 'json', documents: DOCS_10K, rounds: 1 },
      { label: '200 KB binary', name: '200k-binary', bodyBytes: 200 * 1024, encoding: 'binary', documents: DOCS_200K, rounds: ROUNDS_200K },
      { label: '200 KB JSON', name: '200k-json', bodyBytes: 200 * 1024, encoding: 'json', documents: DOCS_200K_JSON, rounds: 1 },
    ] satisfies Phase[]
  ).filter((p) => p.documents > 0);
  console.log(
    `documents bench: ${phases.map((p) => `${p.rounds > 1 ? `${p.rounds} rounds of ` : ''}${p.documents} x ${p.label}`).join(', ')} ${BODY_KIND} submissions, ${STORE} blob store, produced by kcat, end to end (filed and document-added read back from Kafka), against kcat -> broker -> kafkajs consumer of the same messages; ${SYNC_BEFORE_SEGMENTS ? 'sync(1) before each timed segment (BENCH_DOCS_SYNC=0 runs them back to back)' : 'no sync(1) between timed segments: each pays the writeback of the ones before'}`,
  );
  const benchStart = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'dmp-bench-documents-'));
  const pg = await startEmbeddedPostgres({ dataDir: join(workDir, 'pg'), port: await freePort(), unsafeFast: false });
  const broker = await startBrokerProcess(join(workDir, 'kafka'), { args: ['--partitions', String(PARTITIONS)] });
  const url = withDatabase(pg.url, 'dmp_documents_bench');
  await ensureDatabase(url);
  process.env.TEST_KAFKA_BROKERS = broker.bootstrap;
  const extraEnv = JSON.parse(process.env.BENCH_DOCS_SERVICE_ENV ?? '{}') as Record<string, string>;
  // BENCH_INSTANCES > 1: that many service processes in one consumer group, as deployed.
  const startService = (): ReturnType<typeof startServiceProcess> => startServiceProcess(
    'documents',
    {
      DATABASE_URL: url,
      KAFKA_BROKERS: broker.bootstrap,
      LOG_LEVEL: 'warn',
      HEARTBEAT_INTERVAL_MS: '5000',
      DOCUMENTS_PARK_SWEEP_INTERVAL_MS: '0',
      DOCUMENTS_BLOB_STORE: STORE,
      DOCUMENTS_BLOB_DIR: join(workDir, 'blobs'),
      // The allocator thresholds of docker/docker-compose.yml (see apps/documents/src/config.ts).
      MALLOC_MMAP_THRESHOLD_: '33554432',
      MALLOC_TRIM_THRESHOLD_: '268435456',
      ...extraEnv,
    },
    { readyTimeoutMs: 120_000 },
  );
  console.log(`service environment added by the bench: ${JSON.stringify(extraEnv)}; allocator: MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456 unless overridden`);
  const services: Awaited<ReturnType<typeof startServiceProcess>>[] = [];
  for (let i = 0; i < INSTANCES; i++) services.push(await startService());
  const serviceCpuSeconds = (): number => services.reduce((sum, service) => sum + treeCpuSeconds(service.pid), 0);
  const pgPid = postmasterPid(join(workDir, 'pg'));
  const loadAtStart = loadavg()[0];
  const db = new Client({ connectionString: url });
  await db.connect();
  const kafka = new Kafka({ clientId: 'bench-documents', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  // Document-added events seen, by run: the end of the path is the event on Kafka.
  const added = new Map<string, number>();
  // The document id is found in the event's JSON without parsing it: the bench shares the cores
  // with the path it measures, so its own reading should cost as little as it can.
  const idMarker = Buffer.from('"documentId":"bench-');
  const addedConsumer = await countingConsumer(kafka, Topics.DOCUMENT_ADDED, (value) => {
    const at = value?.indexOf(idMarker) ?? -1;
    if (value === null || at < 0) return;
    const start = at + idMarker.length;
    const documentId = value.toString('latin1', start, value.indexOf(0x22, start));
    const run = /^(.+)-\d+$/.exec(documentId)?.[1];
    if (run !== undefined) added.set(run, (added.get(run) ?? 0) + 1);
  }, true);
  const results: Array<PhaseResult & { roundDocsPerSecond: number[] }> = [];
  try {
    const random = seededRandom(7);
    const patients = Array.from({ length: PATIENTS }, () => generateIns(random));
    const openedAt = new Date().toISOString();
    const openings = patients.map((ins) => {
      const event = serializeEvent(
        createEvent(
          RecordOpenedEvent,
          {
            ins,
            channel: OpeningChannel.CPAM_COUNTER,
            cpamCode: '751' as CpamCode,
            openingActor: { role: ActorRole.CPAM_AGENT, id: 'agent-1' },
            openedAt,
            consent: { by: { role: ActorRole.PATIENT, id: ins }, where: 'CPAM', at: openedAt },
            emergency: { emergencyAccess: true, samuRegulationAccess: true },
            contacts: { email: `${ins}@patients.example` },
            isMinor: false,
            legalRepresentatives: [],
          },
          { producer: 'enrolment', correlationId: randomUUID() },
        ),
      );
      return { key: event.key, value: event.value };
    });
    await producer.send({ topic: Topics.RECORD_OPENED, messages: openings });
    const openRecords = async (): Promise<number> => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM document_patients WHERE record_status = 'open'`)).rows[0].n);
    await waitFor(async () => (await openRecords()) === PATIENTS, { timeoutMs: 120_000, message: 'records open' });

    for (const phase of phases) {
      const input = join(workDir, 'input.bin');
      // Warm-up: a few submissions of this kind through the whole path.
      const warmRun = `warm${phase.name}`;
      const warm = submissions(WARM_UP, phase.bodyBytes, phase.encoding, patients, warmRun);
      await kcatProduce(broker.bootstrap, Topics.DOCUMENT_SUBMISSIONS, input, kcatInput(input, warm.messages));
      await waitFor(() => added.get(warmRun) === WARM_UP, { timeoutMs: 300_000, intervalMs: 5, message: `${phase.label} warm-up filed` });

      const rounds: PhaseResult[] = [];
      for (let roundIndex = 0; roundIndex < phase.rounds; roundIndex++) {
        const label = phase.rounds > 1 ? `${phase.label} round ${roundIndex + 1}/${phase.rounds}` : phase.label;
        const run = `${phase.name}${randomUUID().slice(0, 6)}`;
        const load = submissions(phase.documents, phase.bodyBytes, phase.encoding, patients, run);
        const delimiters = kcatInput(input, load.messages);
        await syncDisks();
        const splitBefore = services.map((s) => serviceCpuSplit(s.pid));
        const gcBefore = await Promise.all(services.map((s) => gcTotals(s.url)));
        const transactionsBefore = await allFilingTransactions(services.map((s) => s.url));
        const brokerStatBefore = processStat(broker.pid);
        const serviceFaultsBefore = services.reduce((sum, s) => sum + processStat(s.pid).minorFaults, 0);
        const before = { service: serviceCpuSeconds(), postgres: treeCpuSeconds(pgPid), broker: processCpuSeconds(broker.pid) ?? 0, bench: ownCpuSeconds() };
        const start = process.hrtime.bigint();
        const producerCpu = await kcatProduce(broker.bootstrap, Topics.DOCUMENT_SUBMISSIONS, input, delimiters);
        await waitFor(() => added.get(run) === phase.documents, { timeoutMs: 1_800_000, intervalMs: 20, message: `all ${phase.label} documents filed and their events published` });
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const splitAfter = services.map((s) => serviceCpuSplit(s.pid));
        const gcAfter = await Promise.all(services.map((s) => gcTotals(s.url)));
        const transactionsAfter = await allFilingTransactions(services.map((s) => s.url));
        const transactions = transactionsAfter.count - transactionsBefore.count;
        const transactionMs = transactions > 0 ? round(((transactionsAfter.seconds - transactionsBefore.seconds) * 1000) / transactions, 1) : 0;
        const brokerStatAfter = processStat(broker.pid);
        const serviceFaultsAfter = services.reduce((sum, s) => sum + processStat(s.pid).minorFaults, 0);
        const after = { service: serviceCpuSeconds(), postgres: treeCpuSeconds(pgPid), broker: processCpuSeconds(broker.pid) ?? 0, bench: ownCpuSeconds() };
        const stored = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM documents WHERE submission_id LIKE $1`, [`bench-${run}-%`])).rows[0].n);
        if (stored !== phase.documents) throw new Error(`${label}: ${stored} documents stored, expected ${phase.documents}`);

        // Baseline: the same input through the same broker, kcat -> kafkajs consumer.
        const rawTopic = `bench.documents.raw.${run}`;
        await createTopic(kafka, rawTopic);
        let consumed = 0;
        const rawConsumer = await countingConsumer(kafka, rawTopic, () => consumed++);
        await syncDisks();
        const rawBefore = { broker: processCpuSeconds(broker.pid) ?? 0, bench: ownCpuSeconds() };
        const rawStart = process.hrtime.bigint();
        const rawProducerCpu = await kcatProduce(broker.bootstrap, rawTopic, input, delimiters);
        await waitFor(() => consumed >= phase.documents, { timeoutMs: 600_000, intervalMs: 5, message: 'raw messages consumed' });
        const rawSeconds = Number(process.hrtime.bigint() - rawStart) / 1e9;
        const rawAfter = { broker: processCpuSeconds(broker.pid) ?? 0, bench: ownCpuSeconds() };
        await rawConsumer.disconnect();

        // What the kafkajs producer would cost instead of kcat (this process does nothing else now).
        // First round only: it is a comparison of producers, not part of the path measured.
        const jsBefore = { broker: processCpuSeconds(broker.pid) ?? 0, bench: ownCpuSeconds() };
        if (roundIndex === 0) {
          const kafkajsTopic = `bench.documents.kafkajs.${run}`;
          await createTopic(kafka, kafkajsTopic);
          jsBefore.broker = processCpuSeconds(broker.pid) ?? 0;
          jsBefore.bench = ownCpuSeconds();
          const inFlight: Promise<unknown>[] = [];
          const perRequest = phase.bodyBytes > 100_000 ? 20 : 200;
          for (let i = 0; i < load.messages.length; i += perRequest) {
            inFlight.push(producer.send({ topic: kafkajsTopic, messages: load.messages.slice(i, i + perRequest) }));
            if (inFlight.length >= 4) await inFlight.shift();
          }
          await Promise.all(inFlight);
        }
        const jsAfter = roundIndex === 0 ? { broker: processCpuSeconds(broker.pid) ?? 0, bench: ownCpuSeconds() } : jsBefore;
        // The baselines' bytes are deleted before they are written back: the next round measures the path, not their writeback.
        await deleteTopics(kafka, roundIndex === 0 ? [rawTopic, `bench.documents.kafkajs.${run}`] : [rawTopic]);

        const perDoc = (s: number): number => round((s * 1000) / phase.documents, 3);
        const cpu = {
          service: perDoc(after.service - before.service),
          postgres: perDoc(after.postgres - before.postgres),
          broker: perDoc(after.broker - before.broker),
          producer: perDoc(producerCpu),
          total: 0,
          benchReadingEvents: perDoc(after.bench - before.bench),
        };
        const splitDelta = (key: 'user' | 'system' | 'mainThread'): number => perDoc(splitAfter.reduce((sum, s, i) => sum + s[key] - splitBefore[i][key], 0));
        // The main thread runs all of the service's JavaScript: its share caps one instance's rate.
        const serviceSplit = { user: splitDelta('user'), system: splitDelta('system'), mainThread: splitDelta('mainThread') };
        const threadNames = new Set(splitAfter.flatMap((s) => [...s.threads.keys()]));
        const byThread = [...threadNames].map((name) => [name, perDoc(splitAfter.reduce((sum, s, i) => sum + (s.threads.get(name) ?? 0) - (splitBefore[i].threads.get(name) ?? 0), 0))] as const);
        console.log(`${label}: service CPU ms per document by thread: ${byThread.filter(([, ms]) => ms > 0).map(([name, ms]) => `${name} ${ms}`).join(', ')}`);
        const gcKinds = new Set(gcAfter.flatMap((m) => [...m.keys()]));
        const gc = [...gcKinds].map((kind) => {
          const count = gcAfter.reduce((sum, m, i) => sum + (m.get(kind)?.count ?? 0) - (gcBefore[i].get(kind)?.count ?? 0), 0);
          const seconds = gcAfter.reduce((sum, m, i) => sum + (m.get(kind)?.seconds ?? 0) - (gcBefore[i].get(kind)?.seconds ?? 0), 0);
          return { kind, per1000Docs: round((count * 1000) / phase.documents, 1), pauseMsPerDoc: perDoc(seconds) };
        });
        console.log(
          `${label}: service garbage collections per 1,000 documents (main-thread pause ms per document): ${gc.length === 0 ? 'no figures' : gc.map((g) => `${g.kind} ${g.per1000Docs} (${g.pauseMsPerDoc})`).join(', ')}; ` +
            `${transactions} filing transactions, ${transactions > 0 ? round(phase.documents / transactions, 1) : '?'} documents and ${transactionMs} ms each on average`,
        );
        cpu.total = round(cpu.service + cpu.postgres + cpu.broker + cpu.producer, 3);
        const result: PhaseResult = {
          label,
          encoding: phase.encoding,
          documents: phase.documents,
          seconds,
          docsPerSecond: phase.documents / seconds,
          bodyMBPerSecond: load.bodyBytes / 1e6 / seconds,
          wireMBPerSecond: load.messageBytes / 1e6 / seconds,
          rawMessagesPerSecond: phase.documents / rawSeconds,
          ratio: rawSeconds / seconds,
          cpuMsPerDoc: cpu,
          serviceCpuMsPerDoc: serviceSplit,
          brokerCpuMsPerDoc: { user: perDoc(brokerStatAfter.user - brokerStatBefore.user), system: perDoc(brokerStatAfter.system - brokerStatBefore.system) },
          minorFaultsPerDoc: { broker: round((brokerStatAfter.minorFaults - brokerStatBefore.minorFaults) / phase.documents, 1), service: round((serviceFaultsAfter - serviceFaultsBefore) / phase.documents, 1) },
          cpuBoundDocsPerSecond: (CORES * 1000) / cpu.total,
          rawCpuMsPerDoc: { broker: perDoc(rawAfter.broker - rawBefore.broker), producer: perDoc(rawProducerCpu), consumer: perDoc(rawAfter.bench - rawBefore.bench) },
          kafkajsProducerCpuMsPerDoc: perDoc(jsAfter.bench - jsBefore.bench),
          kafkajsProducerBrokerCpuMsPerDoc: perDoc(jsAfter.broker - jsBefore.broker),
        };
        rounds.push(result);
        console.log(
          `${label}: ${round(result.docsPerSecond)} documents/s, ${round(result.bodyMBPerSecond, 1)} MB/s of bodies (${round(result.wireMBPerSecond, 1)} MB/s on the wire) end to end in ${round(seconds, 2)} s; ` +
            `raw kcat -> broker -> kafkajs of the same ${round(load.messageBytes / 1e6)} MB: ${round(result.rawMessagesPerSecond)} messages/s (${round(load.messageBytes / 1e6 / rawSeconds, 1)} MB/s); ratio ${round(result.ratio, 3)}`,
        );
        console.log(
          `${label}: CPU ms per document: service ${cpu.service}, PostgreSQL ${cpu.postgres}, broker ${cpu.broker}, producer (kcat) ${cpu.producer} = ${cpu.total} ` +
            `=> ${round(result.cpuBoundDocsPerSecond)} documents/s on ${CORES} cores if nothing else ran; service: user ${serviceSplit.user}, system ${serviceSplit.system}, main thread ${serviceSplit.mainThread} (${round(1000 / Math.max(serviceSplit.mainThread, 0.001))}/s cap per instance); (bench reading the events: ${cpu.benchReadingEvents}); ` +
            `broker: user ${result.brokerCpuMsPerDoc.user}, system ${result.brokerCpuMsPerDoc.system}; minor page faults per document: broker ${result.minorFaultsPerDoc.broker}, service ${result.minorFaultsPerDoc.service}; ` +
            `raw: broker ${result.rawCpuMsPerDoc.broker}, kcat ${result.rawCpuMsPerDoc.producer}, kafkajs consumer ${result.rawCpuMsPerDoc.consumer}; ` +
            (roundIndex === 0 ? `a kafkajs producer instead of kcat: ${result.kafkajsProducerCpuMsPerDoc} (broker receiving: ${result.kafkajsProducerBrokerCpuMsPerDoc})` : ''),
        );
      }
      const summary = summarise(phase.label, rounds);
      results.push(summary);
      if (rounds.length > 1) {
        console.log(
          `${phase.label}: median of ${rounds.length} rounds ${round(summary.docsPerSecond)} documents/s (${round(summary.bodyMBPerSecond, 1)} MB/s of bodies; rounds ${rounds.map((r) => round(r.docsPerSecond)).join(', ')}: lowest ${round(Math.min(...rounds.map((r) => r.docsPerSecond)))}, highest ${round(Math.max(...rounds.map((r) => r.docsPerSecond)))}); ` +
            `raw kcat -> broker -> kafkajs median ${round(summary.rawMessagesPerSecond)} messages/s; median ratio ${round(summary.ratio, 3)}; ` +
            `CPU ms per document, mean of the rounds: service ${summary.cpuMsPerDoc.service} (main thread ${summary.serviceCpuMsPerDoc.mainThread}), PostgreSQL ${summary.cpuMsPerDoc.postgres}, broker ${summary.cpuMsPerDoc.broker}, producer (kcat) ${summary.cpuMsPerDoc.producer} = ${summary.cpuMsPerDoc.total} => ${round(summary.cpuBoundDocsPerSecond)} documents/s on ${CORES} cores if nothing else ran`,
        );
      }
    }
  } finally {
    await addedConsumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await db.end().catch(() => undefined);
    await Promise.all(services.map((service) => service.stop().catch(() => undefined)));
    broker.child.kill('SIGTERM');
    await new Promise((resolve) => (broker.child.exitCode === null ? broker.child.once('exit', resolve) : resolve(undefined)));
    await pg.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  const loadAtEnd = loadavg()[0];
  console.log(`load average (1 min): ${round(loadAtStart, 2)} at start, ${round(loadAtEnd, 2)} at the end (${CORES} cores); the bench took ${round((Date.now() - benchStart) / 1000)} s`);
  const json: Record<string, unknown> = { bench: 'documents', body: BODY_KIND, store: STORE, producer: 'kcat', instances: INSTANCES, syncBeforeSegments: SYNC_BEFORE_SEGMENTS };
  for (const r of results) {
    const key = r.label.replace(/ /g, '').replace('KB', 'k');
    Object.assign(json, {
      [`docs_${key}`]: r.documents,
      [`docsPerSecond_${key}`]: round(r.docsPerSecond),
      ...(r.roundDocsPerSecond.length > 1 ? { [`roundsDocsPerSecond_${key}`]: r.roundDocsPerSecond.map((rate) => round(rate)) } : {}),
      [`mbPerSecond_${key}`]: round(r.bodyMBPerSecond, 2),
      [`rawMessagesPerSecond_${key}`]: round(r.rawMessagesPerSecond),
      [`ratio_${key}`]: round(r.ratio, 4),
      [`cpuMsPerDoc_${key}`]: r.cpuMsPerDoc,
      [`serviceCpuMsPerDoc_${key}`]: r.serviceCpuMsPerDoc,
      [`brokerCpuMsPerDoc_${key}`]: r.brokerCpuMsPerDoc,
      [`minorFaultsPerDoc_${key}`]: r.minorFaultsPerDoc,
      [`cpuBoundDocsPerSecond_${key}`]: round(r.cpuBoundDocsPerSecond),
      [`rawCpuMsPerDoc_${key}`]: r.rawCpuMsPerDoc,
      [`kafkajsProducerCpuMsPerDoc_${key}`]: r.kafkajsProducerCpuMsPerDoc,
    });
  }
  const big = results.find((r) => r.label === '200 KB binary');
  Object.assign(json, {
    loadAverage: [round(loadAtStart, 2), round(loadAtEnd, 2)],
    target200k: 500,
    targetMetMeasured: (big?.docsPerSecond ?? 0) >= 500,
    targetMetCpuBound: (big?.cpuBoundDocsPerSecond ?? 0) >= 500,
  });
  console.log(JSON.stringify(json));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
