// Benchmark of the analytics service: a realistic mix of the events it aggregates (openings,
// documents, reads, notifications, reimbursement-file summaries) produced to the real topics of
// the embedded broker, then
//   1. consumed by the analytics service itself (child process from dist/, its real consumer
//      path: validation, inbox, batch handlers, facts and counters): events aggregated per second;
//   2. rebuilt with `analytics:rebuild` (child process: empty the figure tables, reset the
//      group's offsets, replay the topics): the time to rebuild, and a check that the rebuilt
//      figures are identical to the live ones.
// Baseline in the same run: a bare kafkajs consumer reading the same messages and JSON-parsing
// them (no validation, no database): what reading them from this broker costs at all.
// 3. Between the two, the read time of every distinct-member figure and of the dashboard's
//    document at the volume consumed.
// Run: npm run bench:analytics   (BENCH_EVENTS=50000 for a short run; default 1,000,000;
// BENCH_INSTANCES=2 runs two service instances in the group; ANALYTICS_* variables are passed to
// the service (ANALYTICS_CONSUMER_CONCURRENCY...); BENCH_NODE_OPTIONS is passed to
// the service as NODE_OPTIONS, for profiling)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import {
  AccessedEvent,
  createEvent,
  DocumentAddedEvent,
  DocumentReplacedEvent,
  EventDefinition,
  FileImportedEvent,
  FileImportStatus,
  NotificationSentEvent,
  RecordClosedEvent,
  RecordOpenedEvent,
  serializeEvent,
  Topics,
} from '@dmp/contracts';
import {
  AccessMode,
  AccessTargetKind,
  ActorRole,
  ClosureReason,
  CpamCode,
  DocumentFormat,
  DocumentType,
  EstablishmentCategory,
  establishmentKindOf,
  Finess,
  generateFiness,
  generateIns,
  generateRpps,
  Ins,
  NotificationChannel,
  NotificationTrigger,
  OpeningChannel,
  Profession,
  ReimbursementFileKind,
  Rpps,
  seededRandom,
  SourceCategory,
  sourceCategoryOfEstablishment,
} from '@dmp/domain';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '@dmp/persistence';
import { anOperator, startServiceProcess, tokenFor } from '@dmp/testing';
import { round, startBrokerProcess, treeCpuSeconds } from './support/processes';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
// Instances of the service sharing the group (they split the partitions), as in production.
const INSTANCES = Math.max(1, Number(process.env['BENCH_INSTANCES'] ?? 1));
const PARTITIONS = 3;
// BENCH_PG_STATEMENTS=1 loads pg_stat_statements and prints the statements of the live pass.
// BENCH_REBUILD=0 skips the rebuild pass (quick runs while optimising the live path).
const REBUILD = process.env['BENCH_REBUILD'] !== '0';
const PG_STATEMENTS = process.env['BENCH_PG_STATEMENTS'] === '1';
const GROUP = 'dmp-analytics';
const repoRoot = join(__dirname, '..', '..', '..', '..');
const TOPICS = [
  Topics.RECORD_OPENED,
  Topics.RECORD_CLOSED,
  Topics.DOCUMENT_ADDED,
  Topics.DOCUMENT_REPLACED,
  Topics.ACCESSED,
  Topics.NOTIFICATION_SENT,
  Topics.FILE_IMPORTED,
];

type Message = { key: string; value: string; headers: Record<string, string> };

/**
 * The event mix, per 1,000 events: 80 openings, 5 closures, 330 documents added, 20 replaced,
 * 400 reads (accessed), 165 notifications, and one reimbursement-file summary per 20,000.
 * Times spread over 2019 with a few days of jitter, so events arrive out of order, and topics
 * are consumed in parallel, so documents often arrive before their record's opening.
 */
class EventMix {
  private readonly random = seededRandom(2019);
  private readonly patients: Array<{ ins: Ins; cpam: CpamCode }> = [];
  private readonly documents: Array<{ ins: Ins; id: string; establishment?: { finess: Finess; category: EstablishmentCategory }; author?: { rpps: Rpps; profession: Profession } }> = [];
  private readonly establishments: Array<{ finess: Finess; category: EstablishmentCategory }>;
  private readonly professionals: Array<{ rpps: Rpps; profession: Profession }>;
  private readonly cpams = ['941', '311', '671', '801', '371', '631', '221', '251', '642'] as CpamCode[];
  readonly counts = new Map<string, number>();

  constructor() {
    const categories = [
      ...Array<EstablishmentCategory>(20).fill(EstablishmentCategory.CHU),
      ...Array<EstablishmentCategory>(80).fill(EstablishmentCategory.HOSPITAL),
      ...Array<EstablishmentCategory>(60).fill(EstablishmentCategory.CLINIC),
      ...Array<EstablishmentCategory>(120).fill(EstablishmentCategory.EHPAD),
      ...Array<EstablishmentCategory>(20).fill(EstablishmentCategory.OTHER_MEDICO_SOCIAL),
    ];
    this.establishments = categories.map((category) => ({ finess: generateFiness(this.random) as Finess, category }));
    const professions = [Profession.PHYSICIAN, Profession.PHYSICIAN, Profession.PHYSICIAN, Profession.NURSE, Profession.NURSE, Profession.PHARMACIST, Profession.MIDWIFE, Profession.DENTIST, Profession.PHYSIOTHERAPIST];
    this.professionals = Array.from({ length: 5000 }, (_, i) => ({ rpps: generateRpps(this.random) as Rpps, profession: professions[i % professions.length] }));
    for (let i = 0; i < 100; i++) this.openRecordPatient();
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)];
  }

  private openRecordPatient(): { ins: Ins; cpam: CpamCode } {
    const patient = { ins: generateIns(this.random) as Ins, cpam: this.pick(this.cpams) };
    this.patients.push(patient);
    return patient;
  }

  private at(i: number): string {
    const year = 365 * 24 * 3600 * 1000;
    const jitter = (this.random() - 0.5) * 6 * 24 * 3600 * 1000;
    return new Date(Date.UTC(2019, 0, 4) + (i / EVENTS) * year * 0.98 + jitter).toISOString();
  }

  private envelope<P extends object>(definition: EventDefinition<P>, payload: P, at: string): { topic: string; message: Message } {
    this.counts.set(definition.topic, (this.counts.get(definition.topic) ?? 0) + 1);
    return { topic: definition.topic, message: serializeEvent(createEvent(definition, payload, { producer: 'bench', correlationId: randomUUID(), occurredAt: at })) };
  }

  next(i: number): { topic: string; message: Message } {
    const at = this.at(i);
    const roll = (i * 7919) % 1000;
    if (i % 20_000 === 19_999) {
      const imported = 20_000 + Math.floor(this.random() * 50_000);
      return this.envelope(FileImportedEvent, { fileId: `delta-${i}`, kind: ReimbursementFileKind.DELTA, status: FileImportStatus.COMPLETED, counts: { read: imported + 10, imported, duplicates: 5, rejected: 2, unknownPatient: 3, outOfWindow: 0 }, startedAt: at, completedAt: at }, at);
    }
    if (roll < 80) {
      const { ins, cpam } = this.openRecordPatient();
      const channel = this.pick([OpeningChannel.CPAM_COUNTER, OpeningChannel.CPAM_COUNTER, OpeningChannel.PHARMACY, OpeningChannel.PATIENT_ONLINE, OpeningChannel.PROFESSIONAL]);
      return this.envelope(
        RecordOpenedEvent,
        {
          ins,
          channel,
          cpamCode: cpam,
          openingActor: channel === OpeningChannel.PHARMACY ? { role: ActorRole.PHARMACY, id: this.pick(this.establishments).finess } : { role: ActorRole.CPAM_AGENT, id: 'agent-1' },
          openedAt: at,
          consent: { by: { role: ActorRole.PATIENT, id: ins }, where: 'counter', at },
          emergency: { emergencyAccess: true, samuRegulationAccess: true },
          contacts: { email: 'patient@example.fr' },
          isMinor: false,
          legalRepresentatives: [],
        },
        at,
      );
    }
    const patient = this.pick(this.patients);
    if (roll < 85) {
      return this.envelope(RecordClosedEvent, { ins: patient.ins, reason: ClosureReason.PATIENT_REQUEST, effectiveDate: at.slice(0, 10) as never, closedAt: at, by: { role: ActorRole.PATIENT, id: patient.ins } }, at);
    }
    if (roll < 415) {
      const kind = this.random();
      const establishment = kind < 0.6 ? this.pick(this.establishments) : undefined;
      const author = kind < 0.9 ? this.pick(this.professionals) : undefined;
      const sourceCategory = establishment ? sourceCategoryOfEstablishment(establishmentKindOf[establishment.category]) : author ? SourceCategory.LIBERAL_PROFESSIONAL : SourceCategory.PATIENT;
      const id = `bench-${i}`;
      this.documents.push({ ins: patient.ins, id, establishment, author });
      if (this.documents.length > 50_000) this.documents.splice(0, 10_000);
      return this.envelope(
        DocumentAddedEvent,
        {
          ins: patient.ins,
          documentId: id,
          version: 1,
          type: sourceCategory === SourceCategory.PATIENT ? DocumentType.PATIENT_ADDED : this.pick([DocumentType.DISCHARGE_SUMMARY, DocumentType.LABORATORY_REPORT, DocumentType.IMAGING_REPORT, DocumentType.CONSULT_NOTE]),
          format: DocumentFormat.PDF,
          title: 'Compte rendu',
          sourceCategory,
          ...(author ? { author } : {}),
          ...(establishment ? { establishment: { ...establishment, kind: establishmentKindOf[establishment.category] } } : {}),
          addedBy: establishment ? { role: ActorRole.ESTABLISHMENT, id: establishment.finess } : author ? { role: ActorRole.PROFESSIONAL, id: author.rpps } : { role: ActorRole.PATIENT, id: patient.ins },
          sha256: 'a'.repeat(64),
          sizeBytes: 52_000,
          visibility: { maskedFromProfessionals: false, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false },
          authoredAt: at,
          addedAt: at,
        },
        at,
      );
    }
    if (roll < 435 && this.documents.length > 0) {
      const doc = this.pick(this.documents);
      const sourceCategory = doc.establishment ? sourceCategoryOfEstablishment(establishmentKindOf[doc.establishment.category]) : SourceCategory.LIBERAL_PROFESSIONAL;
      return this.envelope(
        DocumentReplacedEvent,
        {
          ins: doc.ins,
          documentId: doc.id,
          replacedDocumentId: doc.id,
          version: 2,
          type: DocumentType.DISCHARGE_SUMMARY,
          format: DocumentFormat.PDF,
          title: 'Compte rendu corrigé',
          sourceCategory,
          ...(doc.author ? { author: doc.author } : {}),
          ...(doc.establishment ? { establishment: { ...doc.establishment, kind: establishmentKindOf[doc.establishment.category] } } : {}),
          sha256: 'b'.repeat(64),
          previousSha256: 'a'.repeat(64),
          sizeBytes: 53_000,
          by: { role: ActorRole.PROFESSIONAL, id: doc.author?.rpps ?? this.pick(this.professionals).rpps },
          replacedAt: at,
        },
        at,
      );
    }
    if (roll < 835) {
      const professional = this.pick(this.professionals);
      const granted = this.random() < 0.95;
      return this.envelope(
        AccessedEvent,
        {
          accessId: randomUUID(),
          ins: patient.ins,
          accessor: { role: ActorRole.PROFESSIONAL, id: professional.rpps, profession: professional.profession },
          mode: AccessMode.NORMAL,
          target: roll % 5 === 0 ? { kind: AccessTargetKind.REIMBURSEMENTS, id: 'history' } : { kind: AccessTargetKind.DOCUMENT, id: `bench-${i - 100}`, documentType: DocumentType.DISCHARGE_SUMMARY },
          granted,
          reasons: [granted ? 'authorised-by-patient' : 'not-authorised'],
          rulesVersion: '2019.1',
          at,
        },
        at,
      );
    }
    const trigger = this.pick([NotificationTrigger.FIRST_ACCESS, NotificationTrigger.NEW_DOCUMENT, NotificationTrigger.NEW_DOCUMENT, NotificationTrigger.RECORD_OPENED, NotificationTrigger.EMERGENCY_ACCESS]);
    return this.envelope(
      NotificationSentEvent,
      { notificationId: randomUUID(), ins: patient.ins, trigger, channel: this.pick([NotificationChannel.EMAIL, NotificationChannel.EMAIL, NotificationChannel.SMS, NotificationChannel.IN_APP]), dedupKey: `${trigger}:${i}`, sentAt: at },
      at,
    );
  }
}

async function produceMix(producer: Producer, mix: EventMix): Promise<void> {
  const chunk = 5_000;
  for (let start = 0; start < EVENTS; start += chunk) {
    const byTopic = new Map<string, Message[]>();
    for (let i = start; i < Math.min(EVENTS, start + chunk); i++) {
      const { topic, message } = mix.next(i);
      const list = byTopic.get(topic) ?? [];
      list.push(message);
      byTopic.set(topic, list);
    }
    await producer.sendBatch({ topicMessages: [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages })) });
    if ((start / chunk) % 40 === 39) console.log(`  produced ${start + chunk} events`);
  }
}

/** Bare kafkajs: read and JSON.parse every message of the topics; wall and CPU seconds. */
async function bareConsume(kafka: Kafka, count: number): Promise<{ seconds: number; cpuSeconds: number }> {
  const consumer = kafka.consumer({ groupId: `bench-bare-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: TOPICS, fromBeginning: true });
  let seen = 0;
  let started = 0;
  const cpuBefore = process.cpuUsage();
  const seconds = await new Promise<number>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        if (started === 0) started = performance.now();
        for (const message of batch.messages) JSON.parse(message.value?.toString() ?? 'null');
        seen += batch.messages.length;
        if (seen >= count) resolve((performance.now() - started) / 1000);
      },
    });
  });
  const cpu = process.cpuUsage(cpuBefore);
  await consumer.disconnect();
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

async function caughtUp(admin: Admin, ends: Map<string, Map<number, number>>): Promise<boolean> {
  const committed = await admin.fetchOffsets({ groupId: GROUP, topics: TOPICS });
  for (const { topic, partitions } of committed) {
    for (const [partition, high] of ends.get(topic) ?? []) {
      const at = Number(partitions.find((p) => p.partition === partition)?.offset ?? '-1');
      if (high > 0 && at < high) return false;
    }
  }
  return true;
}

// The counters as the figures see them: summed over their slots (which slot a transaction
// increments depends on timing), without zero sums (a count moved to a patient's CPAM leaves a
// zero behind, or none, by arrival order).
const FOLDED: Record<string, string> = {
  document_counts: 'SELECT day, cpam_code, source_category, type, sum(added) AS added, sum(replaced) AS replaced FROM document_counts GROUP BY 1, 2, 3, 4 HAVING (sum(added), sum(replaced)) <> (0, 0)',
  notification_counts: 'SELECT day, cpam_code, trigger, channel, sum(notifications) AS notifications FROM notification_counts GROUP BY 1, 2, 3, 4 HAVING sum(notifications) <> 0',
};

type Postgres = Awaited<ReturnType<typeof startEmbeddedPostgres>>;

/** The same cluster started again with pg_stat_statements loaded (it needs a restart). */
async function restartWithStatementStats(postgres: Postgres): Promise<Postgres> {
  const admin = new Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
  await admin.end();
  await postgres.stop();
  return startEmbeddedPostgres({ dataDir: postgres.dataDir, port: postgres.port, unsafeFast: true });
}

/** The statements of the live pass by total execution time: calls, rows per call, time per row. */
async function printStatementStats(client: Client): Promise<void> {
  const { rows } = await client.query<{ calls: string; rows: string; ms: number; query: string }>(
    `SELECT calls, rows, total_exec_time AS ms, regexp_replace(query, '\\s+', ' ', 'g') AS query
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      ORDER BY total_exec_time DESC LIMIT 15`,
  );
  console.log('statements of the live pass (pg_stat_statements, by total execution time):');
  for (const r of rows) {
    console.log(`  ${round(r.ms)} ms, ${r.calls} calls, ${round(Number(r.rows) / Number(r.calls), 1)} rows/call: ${r.query.slice(0, 160)}`);
  }
}

/** Order-independent fingerprint of every figure table: equal figures, equal fingerprints. */
async function fingerprint(client: Client): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of ['record_facts', 'document_facts', 'document_counts', 'member_months', 'notification_facts', 'notification_counts', 'reimbursement_file_facts']) {
    const { rows } = await client.query<{ n: string; h: string }>(`SELECT count(*) AS n, coalesce(sum(hashtext(t::text)::bigint), 0) AS h FROM (${FOLDED[table] ?? `SELECT * FROM ${table}`}) t`);
    out[table] = `${rows[0].n}:${rows[0].h}`;
  }
  return out;
}

/**
 * What the figures API and the dashboard's document cost to read at this volume: each route
 * three times, the slowest of the three in milliseconds (distinct members are counted when read).
 */
const READ_ROUTES = [
  ...['feeding-establishments', 'feeding-professionals', 'consulting-professionals', 'patients-adding-documents'].flatMap((figure) =>
    ['day', 'week', 'month', 'all'].map((period) => `/figures/${figure}?period=${period}`),
  ),
  '/figures/patients-adding-documents?period=month&cpam=251',
  '/figures/consulting-professionals?period=week&from=2019-06-01&to=2019-08-31',
  '/figures/documents?period=week',
  '/figures/openings?period=week',
  '/figures/coverage',
  '/ops/status',
];

async function readTimes(url: string): Promise<Record<string, number>> {
  const token = tokenFor(anOperator());
  const times: Record<string, number> = {};
  for (const route of READ_ROUTES) {
    let slowest = 0;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const response = await fetch(`${url}${route}`, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${route}: ${response.status}`);
      slowest = Math.max(slowest, performance.now() - started);
    }
    times[route] = round(slowest, 1);
  }
  return times;
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'dmp-bench-analytics-'));
  let postgres = await startEmbeddedPostgres({ dataDir: join(workDir, 'pg'), port: 20000 + Math.floor(Math.random() * 20000), unsafeFast: true });
  if (PG_STATEMENTS) postgres = await restartWithStatementStats(postgres);
  const broker = await startBrokerProcess(join(workDir, 'kafka'), { args: ['--durability', 'os'] });
  process.env['TEST_KAFKA_BROKERS'] = broker.bootstrap;
  const databaseUrl = withDatabase(postgres.url, 'bench_analytics');
  await ensureDatabase(databaseUrl);
  const kafka = new Kafka({ clientId: 'bench', brokers: [broker.bootstrap], logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  const producer = kafka.producer();
  const client = new Client({ connectionString: databaseUrl });
  let services: Array<Awaited<ReturnType<typeof startServiceProcess>>> = [];
  try {
    await admin.connect();
    await producer.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [...TOPICS, Topics.DEAD_LETTER].map((topic) => ({ topic, numPartitions: PARTITIONS })) });

    const mix = new EventMix();
    console.log(`producing ${EVENTS} events (mix of ${TOPICS.length} topics, ${PARTITIONS} partitions each)...`);
    const produceStart = performance.now();
    await produceMix(producer, mix);
    console.log(`  produced in ${round((performance.now() - produceStart) / 1000, 1)} s: ${[...mix.counts.entries()].map(([t, n]) => `${t.replace(/^dmp\.|\.v1$/g, '')} ${n}`).join(', ')}`);
    const ends = new Map<string, Map<number, number>>();
    for (const topic of TOPICS) ends.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)])));

    const bare = await bareConsume(kafka, EVENTS);
    const bareRate = EVENTS / bare.seconds;
    console.log(`baseline, bare kafkajs read + JSON.parse: ${round(bareRate)} events/s, ${round(EVENTS / bare.cpuSeconds)} per CPU-second`);

    // 1. The analytics service consumes the topics from the start, as in production.
    // BENCH_NODE_OPTIONS reaches the service (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it).
    const nodeOptions: Record<string, string> = process.env['BENCH_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['BENCH_NODE_OPTIONS'] } : {};
    // ANALYTICS_* variables of the bench's environment (ANALYTICS_CONSUMER_CONCURRENCY...) reach the service.
    const tuning = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('ANALYTICS_') && e[1] !== undefined));
    const env = { DATABASE_URL: databaseUrl, KAFKA_BROKERS: broker.bootstrap, LOG_LEVEL: 'warn', HEARTBEAT_INTERVAL_MS: '5000', ...tuning, ...nodeOptions };
    services = await Promise.all(Array.from({ length: INSTANCES }, () => startServiceProcess('analytics', env, { readyTimeoutMs: 60_000 })));
    const servicesCpu = (): number => services.reduce((sum, s) => sum + treeCpuSeconds(s.pid), 0);
    if (PG_STATEMENTS) {
      const stats = new Client({ connectionString: databaseUrl });
      await stats.connect();
      await stats.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await stats.query('SELECT pg_stat_statements_reset()');
      await stats.end();
    }
    const pgPid = Number(readFileSync(join(workDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const cpu0 = servicesCpu();
    const pg0 = treeCpuSeconds(pgPid);
    const broker0 = treeCpuSeconds(broker.pid);
    const started = performance.now();
    let lastLog = started;
    while (!(await caughtUp(admin, ends))) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        console.log(`  live consumption: ${round((performance.now() - started) / 1000)} s`);
      }
    }
    const liveSeconds = (performance.now() - started) / 1000;
    const liveCpu = servicesCpu() - cpu0;
    const livePgCpu = treeCpuSeconds(pgPid) - pg0;
    const liveBrokerCpu = treeCpuSeconds(broker.pid) - broker0;
    const liveRate = EVENTS / liveSeconds;
    console.log(
      `analytics service x${INSTANCES} (validate + inbox + facts + counters, batches): ${round(liveRate)} events/s, ` +
        `${round(EVENTS / liveCpu)} per CPU-second of the service, ${round(EVENTS / (liveCpu + livePgCpu))} per CPU-second of service + PostgreSQL`,
    );
    const reads = await readTimes(services[0].url);
    const slowestRead = Object.entries(reads).reduce((a, b) => (b[1] > a[1] ? b : a));
    console.log(`reads (slowest of 3, ms): ${Object.entries(reads).map(([r, ms]) => `${r} ${ms}`).join(', ')}`);
    await Promise.all(services.map((s) => s.stop()));
    services = [];
    await client.connect();
    const { rows: volume } = await client.query<{ rows: string; members: string }>(`SELECT count(*) AS rows, count(DISTINCT (figure, member_id)) AS members FROM member_months`);
    console.log(`member_months: ${volume[0].rows} rows, ${volume[0].members} distinct members`);
    if (PG_STATEMENTS) await printStatementStats(client);
    const live = await fingerprint(client);

    const liveFigures = {
      bench: 'analytics',
      events: EVENTS,
      partitions: PARTITIONS,
      instances: INSTANCES,
      events_per_s: round(liveRate),
      events_per_cpu_s_service: round(EVENTS / liveCpu),
      events_per_cpu_s_service_and_postgres: round(EVENTS / (liveCpu + livePgCpu)),
      service_cpu_us_per_event: round((liveCpu / EVENTS) * 1e6, 1),
      postgres_cpu_us_per_event: round((livePgCpu / EVENTS) * 1e6, 1),
      // Serving the fetches: the third process on the machine's two cores during the live pass.
      broker_cpu_us_per_event: round((liveBrokerCpu / EVENTS) * 1e6, 1),
      baseline_bare_read_events_per_s: round(bareRate),
      baseline_bare_read_events_per_cpu_s: round(EVENTS / bare.cpuSeconds),
      baseline_ratio: round(liveRate / bareRate, 3),
      member_month_rows: Number(volume[0].rows),
      distinct_members: Number(volume[0].members),
      slowest_read_ms: slowestRead[1],
      slowest_read_route: slowestRead[0],
    };
    if (!REBUILD) {
      console.log(JSON.stringify({ ...liveFigures, target_events_per_s: 20_000, load_average_1m: round(loadavg()[0], 2) }));
      return;
    }

    // 2. Full rebuild with the rebuild command, as an operator runs it.
    console.log('rebuilding with analytics:rebuild ...');
    const rebuildStart = performance.now();
    const rebuild = spawn(process.execPath, [join(repoRoot, 'dist', 'apps', 'analytics', 'src', 'rebuild', 'rebuild.cli.js')], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl, KAFKA_BROKERS: broker.bootstrap },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let rebuildOutput = '';
    rebuild.stdout?.on('data', (chunk: Buffer) => {
      rebuildOutput += chunk.toString();
      process.stdout.write(chunk.toString().replace(/^/gm, '  '));
    });
    const code = await new Promise<number | null>((resolve) => rebuild.once('exit', resolve));
    const rebuildSeconds = (performance.now() - rebuildStart) / 1000;
    if (code !== 0) throw new Error(`analytics:rebuild exited with ${code}`);
    const rebuildJson = JSON.parse(rebuildOutput.trim().split('\n').at(-1) ?? '{}') as { seconds: number; cpu_seconds: number };
    const rebuilt = await fingerprint(client);
    const exact = JSON.stringify(rebuilt) === JSON.stringify(live);
    console.log(`rebuild of ${EVENTS} events: ${round(rebuildSeconds, 1)} s in all (${round(rebuildJson.seconds, 1)} s replaying); figures identical to the live ones: ${exact}`);
    if (!exact) console.log(`  live ${JSON.stringify(live)}\n  rebuilt ${JSON.stringify(rebuilt)}`);

    console.log(
      JSON.stringify({
        ...liveFigures,
        rebuild_seconds: round(rebuildSeconds, 1),
        rebuild_replay_seconds: round(rebuildJson.seconds, 1),
        rebuild_events_per_s: round(EVENTS / rebuildSeconds),
        rebuild_figures_identical: exact,
        target_events_per_s: 20_000,
        load_average_1m: round(loadavg()[0], 2),
      }),
    );
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    await client.end().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    broker.child.kill('SIGTERM');
    await postgres.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
