// Benchmark of documents: submissions produced to dmp.documents.submissions.v1 until stored
// (metadata + body in PostgreSQL) and their document-added events published by the outbox relay,
// for 10 KB and 200 KB bodies; baseline: raw produce-and-consume of the same messages (same
// bytes) through the same broker, measured in the same run.
// Run: npm run bench:documents   (BENCH_DOCS_10K=4000, BENCH_DOCS_200K=1500 to change sizes;
// BENCH_DOCS_BODY=pdf for incompressible PDF bodies instead of compressible text)
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, Producer, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { DocumentSubmissionEvent, RecordOpenedEvent, Topics, createEvent, serializeEvent } from '@dmp/contracts';
import { ActorRole, CpamCode, DocumentFormat, DocumentType, EstablishmentCategory, Ins, OpeningChannel, Profession, establishmentKindOf, generateFiness, generateIns, generateRpps, seededRandom } from '@dmp/domain';
import { createJsonLogger, startBroker } from '@dmp/embedded-kafka';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '@dmp/persistence';
import { freePort, startServiceProcess, waitFor } from '@dmp/testing';
import { round, treeCpuSeconds } from './support/processes';

const DOCS_10K = Number(process.env.BENCH_DOCS_10K ?? 4_000);
const DOCS_200K = Number(process.env.BENCH_DOCS_200K ?? 1_500);
const BODY_KIND = process.env.BENCH_DOCS_BODY === 'pdf' ? 'pdf' : 'text';
const PATIENTS = 500;
const ESTABLISHMENTS = 24;
const PARTITIONS = 6;

type Message = { key: string; value: string; headers: Record<string, string> };


function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

interface CpuSnapshot {
  service: number;
  postgres: number;
  /** This process: the in-process broker, the producer and the bench's polling. */
  brokerAndProducer: number;
}

function submissions(count: number, bodyBytes: number, patients: Ins[], run: string): { messages: Message[]; bodyBytes: number; messageBytes: number } {
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
    const message = serializeEvent(
      createEvent(
        DocumentSubmissionEvent,
        {
          submissionId: `bench-${run}-${i}`,
          establishment: establishments[i % ESTABLISHMENTS],
          submittedAt: new Date().toISOString(),
          documents: [
            {
              documentId: `bench-${run}-${i}`,
              ins: patients[i % patients.length],
              type: DocumentType.HOSPITAL_REPORT,
              format: BODY_KIND === 'pdf' ? DocumentFormat.PDF : DocumentFormat.TEXT,
              title: 'Compte rendu hospitalisation',
              author: { rpps, profession: Profession.PHYSICIAN },
              authoredAt: '2026-11-20T10:00:00.000Z',
              sha256: createHash('sha256').update(body).digest('hex'),
              sizeBytes: body.length,
              bodyBase64: body.toString('base64'),
            },
          ],
        } as never,
        { producer: 'bench-establishment', correlationId: randomUUID() },
      ),
    );
    messageBytes += message.value.length;
    return message;
  });
  return { messages, bodyBytes: bodyBytes * count, messageBytes };
}

async function send(producer: Producer, topic: string, messages: Message[], perRequest: number): Promise<void> {
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < messages.length; i += perRequest) {
    inFlight.push(producer.send({ topic, messages: messages.slice(i, i + perRequest) }));
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
}

async function count(db: Client, sql: string, params: unknown[]): Promise<number> {
  return Number((await db.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
}

async function rawProduceConsume(kafka: Kafka, producer: Producer, messages: Message[], perRequest: number): Promise<number> {
  const topic = `bench.documents.raw.${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxBytes: 50 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let consumed = 0;
  await consumer.run({
    eachBatch: async ({ batch }) => {
      consumed += batch.messages.length;
    },
  });
  const start = process.hrtime.bigint();
  await send(producer, topic, messages, perRequest);
  await waitFor(() => consumed >= messages.length, { timeoutMs: 300_000, intervalMs: 5, message: 'raw messages consumed' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await consumer.disconnect();
  return seconds;
}

interface SizeResult {
  label: string;
  documents: number;
  docsPerSecond: number;
  bodyMBPerSecond: number;
  rawDocsPerSecond: number;
  ratio: number;
  /** CPU milliseconds per document, end to end, by process. */
  cpuMsPerDoc: { service: number; postgres: number; brokerAndProducer: number };
  rawCpuMsPerDoc: number;
}

async function main(): Promise<void> {
  console.log(`documents bench: ${DOCS_10K} x 10 KB then ${DOCS_200K} x 200 KB ${BODY_KIND} submissions, end to end, against raw produce-and-consume`);
  const workDir = mkdtempSync(join(tmpdir(), 'dmp-bench-documents-'));
  const pg = await startEmbeddedPostgres({ dataDir: join(workDir, 'pg'), port: await freePort(), unsafeFast: false });
  const broker = await startBroker({ port: 0, dataDir: join(workDir, 'kafka'), defaultPartitions: PARTITIONS, logger: createJsonLogger('warn') });
  const url = withDatabase(pg.url, 'dmp_documents_bench');
  await ensureDatabase(url);
  process.env.TEST_KAFKA_BROKERS = broker.bootstrap;
  // BENCH_DOCS_SERVICE_ENV='{"NODE_OPTIONS":"--require ./profiler.js"}': extra environment of the
  // service (profiling it: node 20 refuses --cpu-prof in NODE_OPTIONS, a --require'd inspector does not).
  const profile = JSON.parse(process.env.BENCH_DOCS_SERVICE_ENV ?? '{}') as Record<string, string>;
  const service = await startServiceProcess(
    'documents',
    { DATABASE_URL: url, KAFKA_BROKERS: broker.bootstrap, LOG_LEVEL: 'warn', HEARTBEAT_INTERVAL_MS: '5000', DOCUMENTS_PARK_SWEEP_INTERVAL_MS: '0', ...profile },
    { readyTimeoutMs: 60_000 },
  );
  const pgPid = postmasterPid(join(workDir, 'pg'));
  const cpu = (): CpuSnapshot => ({ service: treeCpuSeconds(service.pid), postgres: treeCpuSeconds(pgPid), brokerAndProducer: (process.cpuUsage().user + process.cpuUsage().system) / 1e6 });
  const loadAtStart = loadavg()[0];
  const db = new Client({ connectionString: url });
  await db.connect();
  const kafka = new Kafka({ clientId: 'bench-documents', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const results: SizeResult[] = [];
  try {
    const random = seededRandom(7);
    const patients = Array.from({ length: PATIENTS }, () => generateIns(random));
    const openedAt = new Date().toISOString();
    const openings = patients.map((ins) =>
      serializeEvent(
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
      ),
    );
    await send(producer, Topics.RECORD_OPENED, openings, 500);
    await waitFor(async () => (await count(db, `SELECT count(*) AS n FROM document_patients WHERE record_status = 'open'`, [])) === PATIENTS, { timeoutMs: 120_000, message: 'records open' });

    for (const [label, size, documents, perRequest] of [['10 KB', 10 * 1024, DOCS_10K, 200], ['200 KB', 200 * 1024, DOCS_200K, 20]] as const) {
      // Warm-up: a few submissions of this size through the whole path.
      const warm = submissions(50, size, patients, `warm-${size}`);
      await send(producer, Topics.DOCUMENT_SUBMISSIONS, warm.messages, perRequest);
      await waitFor(async () => (await count(db, `SELECT count(*) AS n FROM documents WHERE document_id LIKE $1`, [`bench-warm-${size}-%`])) === 50, { timeoutMs: 120_000, message: 'warm-up stored' });

      const run = `${size}-${randomUUID().slice(0, 6)}`;
      const load = submissions(documents, size, patients, run);
      const cpuBefore = cpu();
      const start = process.hrtime.bigint();
      await send(producer, Topics.DOCUMENT_SUBMISSIONS, load.messages, perRequest);
      await waitFor(
        async () =>
          (await count(db, `SELECT count(*) AS n FROM outbox_events WHERE topic = $1 AND published_at IS NOT NULL AND payload->'payload'->>'documentId' LIKE $2`, [Topics.DOCUMENT_ADDED, `bench-${run}-%`])) === documents,
        { timeoutMs: 900_000, intervalMs: 50, message: `all ${label} documents stored and their events published` },
      );
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const cpuAfter = cpu();
      const stored = await count(db, `SELECT count(*) AS n FROM documents WHERE document_id LIKE $1`, [`bench-${run}-%`]);
      if (stored !== documents) throw new Error(`${label}: ${stored} stored, expected ${documents}`);
      const rawCpuBefore = process.cpuUsage();
      const rawSeconds = await rawProduceConsume(kafka, producer, load.messages, perRequest);
      const rawCpu = process.cpuUsage(rawCpuBefore);
      const result: SizeResult = {
        label,
        documents,
        docsPerSecond: documents / seconds,
        bodyMBPerSecond: load.bodyBytes / 1e6 / seconds,
        rawDocsPerSecond: documents / rawSeconds,
        ratio: rawSeconds / seconds,
        cpuMsPerDoc: {
          service: round(((cpuAfter.service - cpuBefore.service) * 1000) / documents, 3),
          postgres: round(((cpuAfter.postgres - cpuBefore.postgres) * 1000) / documents, 3),
          brokerAndProducer: round(((cpuAfter.brokerAndProducer - cpuBefore.brokerAndProducer) * 1000) / documents, 3),
        },
        rawCpuMsPerDoc: round((rawCpu.user + rawCpu.system) / 1000 / documents, 3),
      };
      results.push(result);
      console.log(
        `${label}: ${round(result.docsPerSecond)} documents/s, ${round(result.bodyMBPerSecond, 1)} MB/s of bodies (${round(load.messageBytes / 1e6 / seconds, 1)} MB/s on the wire) end to end in ${round(seconds, 2)} s; ` +
          `raw produce-and-consume of the same ${round(load.messageBytes / 1e6)} MB: ${round(result.rawDocsPerSecond)} messages/s (${round(load.messageBytes / 1e6 / rawSeconds, 1)} MB/s); ratio ${round(result.ratio, 3)}`,
      );
      console.log(
        `${label}: CPU ms per document end to end: service ${result.cpuMsPerDoc.service}, PostgreSQL ${result.cpuMsPerDoc.postgres}, broker+producer ${result.cpuMsPerDoc.brokerAndProducer}; raw produce-and-consume (broker+clients) ${result.rawCpuMsPerDoc}`,
      );
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
    await db.end().catch(() => undefined);
    await service.stop().catch(() => undefined);
    await broker.stop();
    await pg.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  const loadAtEnd = loadavg()[0];
  console.log(`load average (1 min): ${round(loadAtStart, 2)} at start, ${round(loadAtEnd, 2)} at the end (2 cores)`);
  const big = results.find((r) => r.label === '200 KB');
  const small = results.find((r) => r.label === '10 KB');
  console.log(
    JSON.stringify({
      bench: 'documents',
      body: BODY_KIND,
      docs10k: small?.documents,
      docsPerSecond10k: small && round(small.docsPerSecond),
      mbPerSecond10k: small && round(small.bodyMBPerSecond, 2),
      rawMessagesPerSecond10k: small && round(small.rawDocsPerSecond),
      ratio10k: small && round(small.ratio, 4),
      cpuMsPerDoc10k: small?.cpuMsPerDoc,
      docs200k: big?.documents,
      docsPerSecond200k: big && round(big.docsPerSecond),
      mbPerSecond200k: big && round(big.bodyMBPerSecond, 2),
      rawMessagesPerSecond200k: big && round(big.rawDocsPerSecond),
      ratio200k: big && round(big.ratio, 4),
      cpuMsPerDoc200k: big?.cpuMsPerDoc,
      rawCpuMsPerDoc200k: big?.rawCpuMsPerDoc,
      loadAverage: [round(loadAtStart, 2), round(loadAtEnd, 2)],
      target200k: 500,
      targetMet: (big?.docsPerSecond ?? 0) >= 500,
    }),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
