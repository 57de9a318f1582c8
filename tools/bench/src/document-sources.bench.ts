// Benchmark of the documents service's HTTP ways in, by source: what a document costs when a
// patient, a liberal professional or another structure (a laboratory) submits it, against the
// establishments' HTTP way (the baseline, measured in the same run, interleaved with the others).
//
// Each submission holds DOCS documents of 10 KB (text, inline base64) for one patient; the clock
// and the CPU counters run from the first request of a phase until every document-added event of
// the phase has been read back from Kafka (filed, and published by the outbox relay). CPU is read
// from /proc for the service, PostgreSQL (the postmaster and its backends) and the broker, each a
// separate process.
//
// Run: npm run bench:document-sources. Environment: BENCH_SOURCES_SUBMISSIONS=100 (per source and
// round), BENCH_SOURCES_DOCS=10 (documents per submission), BENCH_SOURCES_ROUNDS=2,
// BENCH_SOURCES_CONCURRENCY=4.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { RecordOpenedEvent, Topics, createEvent, serializeEvent } from '@dmp/contracts';
import { ActorRole, CpamCode, DocumentFormat, DocumentType, EstablishmentCategory, Ins, OpeningChannel, Profession, establishmentKindOf, generateFiness, generateIns, generateRpps, seededRandom } from '@dmp/domain';
import type { Actor } from '@dmp/auth';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '@dmp/persistence';
import { freePort, startServiceProcess, tokenFor, waitFor } from '@dmp/testing';
import { processCpuSeconds, round, startBrokerProcess, treeCpuSeconds } from './support/processes';

const SUBMISSIONS = Number(process.env.BENCH_SOURCES_SUBMISSIONS ?? 100);
const DOCS = Number(process.env.BENCH_SOURCES_DOCS ?? 10);
const ROUNDS = Number(process.env.BENCH_SOURCES_ROUNDS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_SOURCES_CONCURRENCY ?? 4);
const BODY_BYTES = 10 * 1024;
const PATIENTS = 200;
const WARM_UP = 20;

type SourceName = 'establishment-health' | 'other' | 'liberal-professional' | 'patient';

interface Source {
  name: SourceName;
  route: string;
  /** The submission (without submissionId) and the token for one patient's documents. */
  submission(ins: Ins, documents: Array<Record<string, unknown>>): { token: string; body: Record<string, unknown> };
}

interface Totals {
  documents: number;
  seconds: number;
  service: number;
  postgres: number;
  broker: number;
}

function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function aDocument(run: string, seq: number, ins: Ins, type: DocumentType, author?: { rpps: string; profession: Profession }): Record<string, unknown> {
  const body = Buffer.from(`${run} ${seq} `.padEnd(BODY_BYTES, 'x'));
  return {
    documentId: `bench-${run}-${seq}`,
    ins,
    type,
    format: DocumentFormat.TEXT,
    title: 'Compte rendu',
    ...(author ? { author } : {}),
    authoredAt: '2026-11-20T10:00:00.000Z',
    sha256: createHash('sha256').update(body).digest('hex'),
    sizeBytes: body.length,
    bodyBase64: body.toString('base64'),
  };
}

async function countingConsumer(kafka: Kafka, onDocumentId: (documentId: string) => void): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}`, maxBytesPerPartition: 16 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic: Topics.DOCUMENT_ADDED, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) onDocumentId((JSON.parse(message.value?.toString() ?? '{}') as { payload?: { documentId?: string } }).payload?.documentId ?? '');
    },
  });
  return consumer;
}

async function main(): Promise<void> {
  console.log(
    `document-sources bench: ${ROUNDS} round(s) x ${SUBMISSIONS} HTTP submissions of ${DOCS} x 10 KB documents per source, ${CONCURRENCY} in flight, until document-added is read back from Kafka; baseline: the establishments' POST /submissions in the same run`,
  );
  const workDir = mkdtempSync(join(tmpdir(), 'dmp-bench-sources-'));
  const pg = await startEmbeddedPostgres({ dataDir: join(workDir, 'pg'), port: await freePort(), unsafeFast: false });
  const broker = await startBrokerProcess(join(workDir, 'kafka'));
  const url = withDatabase(pg.url, 'dmp_documents_sources_bench');
  await ensureDatabase(url);
  process.env.TEST_KAFKA_BROKERS = broker.bootstrap;
  const service = await startServiceProcess(
    'documents',
    { DATABASE_URL: url, KAFKA_BROKERS: broker.bootstrap, LOG_LEVEL: 'warn', HEARTBEAT_INTERVAL_MS: '5000', DOCUMENTS_PARK_SWEEP_INTERVAL_MS: '0', DOCUMENTS_BLOB_STORE: 'files', DOCUMENTS_BLOB_DIR: join(workDir, 'blobs') },
    { readyTimeoutMs: 120_000 },
  );
  const pgPid = postmasterPid(join(workDir, 'pg'));
  const loadAtStart = loadavg()[0];
  const db = new Client({ connectionString: url });
  await db.connect();
  const kafka = new Kafka({ clientId: 'bench-document-sources', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const added = new Map<string, number>();
  const consumer = await countingConsumer(kafka, (documentId) => {
    const run = /^bench-(.+)-\d+$/.exec(documentId)?.[1];
    if (run !== undefined) added.set(run, (added.get(run) ?? 0) + 1);
  });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const totals = new Map<SourceName, Totals>();
  try {
    const random = seededRandom(11);
    const patients = Array.from({ length: PATIENTS }, () => generateIns(random));
    const openedAt = new Date().toISOString();
    await producer.send({
      topic: Topics.RECORD_OPENED,
      messages: patients.map((ins) => {
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
      }),
    });
    await waitFor(async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM document_patients WHERE record_status = 'open'`)).rows[0].n) === PATIENTS, {
      timeoutMs: 120_000,
      message: 'records open',
    });

    const establishment = (category: EstablishmentCategory): Actor => ({ role: ActorRole.ESTABLISHMENT, finess: generateFiness(random), kind: establishmentKindOf[category], category }) as Actor;
    const hospital = establishment(EstablishmentCategory.CHU);
    const laboratory = establishment(EstablishmentCategory.LABORATORY);
    const physician = { rpps: generateRpps(random), profession: Profession.PHYSICIAN };
    const staff = { rpps: generateRpps(random), profession: Profession.PHYSICIAN };
    const professionalToken = tokenFor({ role: ActorRole.PROFESSIONAL, ...physician } as Actor);
    const patientTokens = new Map(patients.map((ins) => [ins, tokenFor({ role: ActorRole.PATIENT, ins } as Actor)]));
    const asEstablishment = (actor: Actor, type: DocumentType): Source['submission'] => {
      const token = tokenFor(actor);
      const ref = actor.role === ActorRole.ESTABLISHMENT ? { finess: actor.finess, kind: actor.kind, category: actor.category } : undefined;
      return (_ins, documents) => ({ token, body: { establishment: ref, submittedAt: new Date().toISOString(), documents: documents.map((d) => ({ ...d, type, author: staff })) } });
    };
    const sources: Source[] = [
      { name: 'establishment-health', route: '/submissions', submission: asEstablishment(hospital, DocumentType.DISCHARGE_SUMMARY) },
      { name: 'other', route: '/submissions', submission: asEstablishment(laboratory, DocumentType.LABORATORY_REPORT) },
      { name: 'liberal-professional', route: '/submissions/professional', submission: (_ins, documents) => ({ token: professionalToken, body: { documents: documents.map((d) => ({ ...d, type: DocumentType.CONSULT_NOTE })) } }) },
      { name: 'patient', route: '/submissions/patient', submission: (ins, documents) => ({ token: patientTokens.get(ins) ?? '', body: { documents: documents.map((d) => ({ ...d, type: DocumentType.PATIENT_ADDED })) } }) },
    ];

    const send = async (source: Source, run: string, index: number): Promise<void> => {
      const ins = patients[index % PATIENTS];
      const documents = Array.from({ length: DOCS }, (_v, i) => aDocument(run, index * DOCS + i, ins, DocumentType.PATIENT_ADDED));
      const { token, body } = source.submission(ins, documents);
      const response = await fetch(`${service.url}${source.route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ submissionId: `${run}-${index}`, ...body }),
      });
      const answer = (await response.json()) as { results?: Array<{ outcome: string; reasons: string[] }> };
      const refused = answer.results?.find((r) => r.outcome !== 'accepted');
      if (response.status !== 200 || refused) throw new Error(`${source.name}: ${response.status} ${JSON.stringify(refused ?? answer).slice(0, 300)}`);
    };
    const phase = async (source: Source, run: string, submissions: number): Promise<void> => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let i = next++; i < submissions; i = next++) await send(source, run, i);
        }),
      );
      await waitFor(() => added.get(run) === submissions * DOCS, { timeoutMs: 300_000, intervalMs: 5, message: `${run}: document-added read back` });
    };

    for (const source of sources) await phase(source, `warm-${source.name}`, WARM_UP);
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved, the order turning each round: a load spike on the shared machine falls on every source.
      const order = sources.map((_s, i) => sources[(i + round) % sources.length]);
      for (const source of order) {
        const run = `r${round}-${source.name}`;
        const before = { service: processCpuSeconds(service.pid) ?? 0, postgres: treeCpuSeconds(pgPid), broker: processCpuSeconds(broker.pid) ?? 0, at: performance.now() };
        await phase(source, run, SUBMISSIONS);
        const total = totals.get(source.name) ?? { documents: 0, seconds: 0, service: 0, postgres: 0, broker: 0 };
        total.documents += SUBMISSIONS * DOCS;
        total.seconds += (performance.now() - before.at) / 1000;
        total.service += (processCpuSeconds(service.pid) ?? 0) - before.service;
        total.postgres += treeCpuSeconds(pgPid) - before.postgres;
        total.broker += (processCpuSeconds(broker.pid) ?? 0) - before.broker;
        totals.set(source.name, total);
      }
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
    await consumer.disconnect().catch(() => undefined);
    await db.end().catch(() => undefined);
    await service.stop().catch(() => undefined);
    broker.child.kill('SIGTERM');
    await new Promise((resolve) => (broker.child.exitCode === null ? broker.child.once('exit', resolve) : resolve(undefined)));
    await pg.stop();
    rmSync(workDir, { recursive: true, force: true });
  }

  const perDoc = (t: Totals): { service: number; postgres: number; broker: number; total: number } => ({
    service: round((t.service * 1000) / t.documents, 2),
    postgres: round((t.postgres * 1000) / t.documents, 2),
    broker: round((t.broker * 1000) / t.documents, 2),
    total: round(((t.service + t.postgres + t.broker) * 1000) / t.documents, 2),
  });
  const baseline = totals.get('establishment-health');
  if (baseline === undefined) throw new Error('no baseline measured');
  const baselineTotal = perDoc(baseline).total;
  const results = [...totals].map(([name, t]) => {
    const cpu = perDoc(t);
    return { source: name, documents: t.documents, docsPerSecond: round(t.documents / t.seconds), cpuMsPerDoc: cpu, cpuRatioToEstablishments: round(cpu.total / baselineTotal, 2) };
  });
  for (const r of results) {
    console.log(
      `${r.source.padEnd(22)} ${String(r.documents).padStart(6)} docs  ${String(r.docsPerSecond).padStart(5)} docs/s  CPU ms/doc: service ${r.cpuMsPerDoc.service}, postgres ${r.cpuMsPerDoc.postgres}, broker ${r.cpuMsPerDoc.broker}, total ${r.cpuMsPerDoc.total}  (x${r.cpuRatioToEstablishments} the establishments' way)`,
    );
  }
  const load = loadavg().map((l) => round(l, 2));
  console.log(`load average at start ${round(loadAtStart, 2)}, at end ${load.join(' ')} (2 cores shared: wall-clock figures are pessimistic, CPU per document is the comparable figure)`);
  console.log(JSON.stringify({ bench: 'document-sources', submissionsPerSourceAndRound: SUBMISSIONS, documentsPerSubmission: DOCS, rounds: ROUNDS, bodyBytes: BODY_BYTES, results, loadAverage: { start: round(loadAtStart, 2), end: load } }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
