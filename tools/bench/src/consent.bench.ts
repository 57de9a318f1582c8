// Benchmark of consent: (1) access decisions per second of @dmp/access-rules in one process,
// against a trivial function-call loop measured in the same run; (2) access events traced per
// second end to end (produced to Kafka, consumed by the consent service running from dist/,
// written to the trace with their notifications), against raw multi-row INSERTs of the same rows
// into PostgreSQL measured in the same run; (3) record openings folded per second (enrolment's
// opened events consumed into consent_patients, each with its welcome notification queued), a
// campaign's worth produced at once, against the same raw INSERT baseline.
// Run: npm run bench:consent   (BENCH_DECISION_MS=2000, BENCH_ACCESS_EVENTS=20000,
// BENCH_OPENING_EVENTS=20000 to change sizes)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { AccessRequest, ConsentState, applyConsentEvent, decideAccess, emptyConsentState } from '@dmp/access-rules';
import { AccessedEvent, RecordOpenedEvent, createEvent, serializeEvent } from '@dmp/contracts';
import { AccessMode, AccessTargetKind, ActorRole, CpamCode, DocumentType, OpeningChannel, Profession, generateFiness, generateIns, generateRpps, seededRandom } from '@dmp/domain';
import { createJsonLogger, startBroker } from '@dmp/embedded-kafka';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '@dmp/persistence';
import { freePort, startServiceProcess, waitFor } from '@dmp/testing';
import { processCpuSeconds, round } from './support/processes';

const DECISION_MS = Number(process.env.BENCH_DECISION_MS ?? 2_000);
const ACCESS_EVENTS = Number(process.env.BENCH_ACCESS_EVENTS ?? 20_000);
const OPENING_EVENTS = Number(process.env.BENCH_OPENING_EVENTS ?? 20_000);
const WARMUP_EVENTS = 1_000;
const PATIENTS = 200;
const PROFESSIONALS = 100;
const PARTITIONS = 6;

// ---------------------------------------------------------------------------------------------
// 1. Decisions per second

function decisionWorkload(): { requests: AccessRequest[]; states: ConsentState[] } {
  const random = seededRandom(42);
  const professionals = Array.from({ length: 64 }, () => generateRpps(random));
  const finess = generateFiness(random);
  const states: ConsentState[] = Array.from({ length: 8 }, (_, s) => {
    const ins = generateIns(random);
    let state = applyConsentEvent(emptyConsentState(ins), { type: 'enrolment.record-opened', key: ins, occurredAt: '2026-01-01T00:00:00.000Z', payload: { emergency: { emergencyAccess: s % 3 !== 0, samuRegulationAccess: s % 4 !== 0 } } });
    for (let i = 0; i < 10; i++) {
      state = applyConsentEvent(state, { type: 'consent.professional-authorised', key: ins, occurredAt: '2026-01-02T00:00:00.000Z', payload: { grantee: { kind: 'professional', rpps: professionals[(s * 7 + i) % 64] } } });
    }
    state = applyConsentEvent(state, { type: 'consent.professional-blocked', key: ins, occurredAt: '2026-01-03T00:00:00.000Z', payload: { rpps: professionals[(s * 7 + 11) % 64] } });
    state = applyConsentEvent(state, { type: 'consent.treating-physician-designated', key: ins, occurredAt: '2026-01-03T00:00:00.000Z', payload: { rpps: professionals[s] } });
    return applyConsentEvent(state, { type: 'consent.professional-authorised', key: ins, occurredAt: '2026-01-04T00:00:00.000Z', payload: { grantee: { kind: 'establishment', finess } } });
  });
  const modes = [AccessMode.NORMAL, AccessMode.NORMAL, AccessMode.NORMAL, AccessMode.EMERGENCY, AccessMode.SAMU_REGULATION, AccessMode.ESTABLISHMENT_WITHOUT_CARD];
  const professions = Object.values(Profession);
  const types = Object.values(DocumentType);
  const at = new Date('2026-11-23T10:00:00.000Z');
  const requests: AccessRequest[] = Array.from({ length: 1024 }, (_, i) => ({
    requester: i % 16 === 0 ? { role: 'patient', ins: states[i % 8].ins } : { role: 'professional', rpps: professionals[i % 64], profession: professions[i % professions.length], finess: i % 5 === 0 ? finess : undefined },
    mode: modes[i % modes.length],
    reason: i % 7 === 0 ? undefined : 'unconscious',
    at,
    target: i % 9 === 0 ? { kind: 'reimbursements' } : { kind: 'document', type: types[i % types.length], authorRpps: professionals[(i * 3) % 64], flags: { maskedFromProfessionals: i % 11 === 0, invisibleToPatientUntilExplained: i % 13 === 0, invisibleToLegalRepresentatives: false } },
  }));
  return { requests, states };
}

function measureLoop(body: (i: number) => number): { perSecond: number; sink: number } {
  let sink = 0;
  let calls = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(DECISION_MS) * 1_000_000n;
  for (;;) {
    for (let i = 0; i < 100_000; i++) sink += body(calls + i);
    calls += 100_000;
    if (process.hrtime.bigint() >= deadline) break;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { perSecond: calls / seconds, sink };
}

function trivial(i: number): { granted: boolean; code: number } {
  return { granted: (i & 1) === 0, code: i & 7 };
}

function benchDecisions(): { decisionsPerSecond: number; baselinePerSecond: number; grantedShare: number } {
  const { requests, states } = decisionWorkload();
  // Warm both loops so the JIT has compiled them before measuring.
  for (let i = 0; i < 200_000; i++) decideAccess(requests[i & 1023], states[i & 7]);
  const baseline = measureLoop((i) => (trivial(i).granted ? 1 : 0));
  const decisions = measureLoop((i) => (decideAccess(requests[i & 1023], states[i & 7]).granted ? 1 : 0));
  const granted = requests.reduce((n, r, i) => n + (decideAccess(r, states[i & 7]).granted ? 1 : 0), 0);
  return { decisionsPerSecond: decisions.perSecond, baselinePerSecond: baseline.perSecond, grantedShare: granted / requests.length };
}

// ---------------------------------------------------------------------------------------------
// 2. Access events traced per second, end to end

function accessMessages(count: number, seed: number): Array<{ key: string; value: string; headers: Record<string, string> }> {
  const random = seededRandom(seed);
  const patients = Array.from({ length: PATIENTS }, () => generateIns(random));
  const professionals = Array.from({ length: PROFESSIONALS }, () => generateRpps(random));
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const granted = i % 10 !== 9;
    const emergency = i % 500 === 0;
    return serializeEvent(
      createEvent(
        AccessedEvent,
        {
          accessId: randomUUID(),
          ins: patients[i % PATIENTS],
          accessor: { role: ActorRole.PROFESSIONAL, id: professionals[(i * 7) % PROFESSIONALS], profession: Profession.PHYSICIAN },
          mode: emergency ? AccessMode.EMERGENCY : AccessMode.NORMAL,
          target: { kind: AccessTargetKind.DOCUMENT, id: `doc-${i}`, documentType: DocumentType.LABORATORY_REPORT },
          granted,
          reasons: [granted ? 'AUTHORISED_PROFESSIONAL: the patient has authorised this professional' : 'NOT_AUTHORISED: not authorised'],
          rulesVersion: '1.0.0/default-2026-11',
          emergencyReason: emergency ? 'unconscious' : undefined,
          at: new Date(now + i).toISOString(),
        },
        { producer: 'documents', correlationId: `bench-${i}` },
      ),
    );
  });
}

function openingMessages(count: number, seed: number): Array<{ key: string; value: string; headers: Record<string, string> }> {
  const random = seededRandom(seed);
  const at = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => {
    const ins = generateIns(random);
    return serializeEvent(
      createEvent(
        RecordOpenedEvent,
        {
          ins,
          channel: OpeningChannel.PHARMACY,
          cpamCode: '751' as CpamCode,
          openingActor: { role: ActorRole.PHARMACY, id: '750000001' },
          openedAt: at,
          consent: { by: { role: ActorRole.PATIENT, id: ins }, where: 'pharmacy', at },
          emergency: { emergencyAccess: i % 10 !== 0, samuRegulationAccess: true },
          contacts: { email: `${ins}@patients.example` },
          isMinor: false,
          legalRepresentatives: [],
        },
        { producer: 'enrolment', correlationId: `bench-open-${i}` },
      ),
    );
  });
}

async function openCount(db: Client): Promise<number> {
  return Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM consent_patients WHERE record_status = 'open'`)).rows[0].n);
}

async function traceCount(db: Client): Promise<number> {
  return Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM access_trace')).rows[0].n);
}

async function rawInsertBaseline(db: Client, rows: number): Promise<number> {
  await db.query('CREATE TABLE bench_raw_trace (LIKE access_trace INCLUDING ALL)');
  const chunk = 1_000;
  const start = process.hrtime.bigint();
  for (let done = 0; done < rows; done += chunk) {
    const n = Math.min(chunk, rows - done);
    const ids = Array.from({ length: n }, () => randomUUID());
    await db.query(
      `INSERT INTO bench_raw_trace (access_id, ins, accessor_role, accessor_id, profession, finess, mode, target_kind, target_id, document_type, granted, reasons, rules_version, emergency_reason, accessed_at, producer)
       SELECT id, '277028690570430', 'professional', '10000000008', 'physician', NULL, 'normal', 'document', 'doc', '11502-2', true, '["AUTHORISED_PROFESSIONAL: x"]'::jsonb, '1.0.0/default-2026-11', NULL, now(), 'documents'
       FROM unnest($1::uuid[]) AS id`,
      [ids],
    );
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await db.query('DROP TABLE bench_raw_trace');
  return rows / seconds;
}

async function benchTrace(): Promise<{ tracedPerSecond: number; rawInsertPerSecond: number; notifications: number; openingsPerSecond: number }> {
  const workDir = mkdtempSync(join(tmpdir(), 'dmp-bench-consent-'));
  const pg = await startEmbeddedPostgres({ dataDir: join(workDir, 'pg'), port: await freePort(), unsafeFast: false });
  const broker = await startBroker({ port: 0, dataDir: join(workDir, 'kafka'), defaultPartitions: PARTITIONS, logger: createJsonLogger('warn') });
  const url = withDatabase(pg.url, 'dmp_consent_bench');
  await ensureDatabase(url);
  process.env.TEST_KAFKA_BROKERS = broker.bootstrap;
  const service = await startServiceProcess('consent', { DATABASE_URL: url, KAFKA_BROKERS: broker.bootstrap, LOG_LEVEL: 'warn', HEARTBEAT_INTERVAL_MS: '5000' }, { readyTimeoutMs: 60_000 });
  const db = new Client({ connectionString: url });
  await db.connect();
  const kafka = new Kafka({ clientId: 'bench-consent', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  try {
    const send = async (messages: ReturnType<typeof accessMessages>): Promise<void> => {
      const inFlight: Promise<unknown>[] = [];
      for (let i = 0; i < messages.length; i += 1_000) {
        inFlight.push(producer.send({ topic: AccessedEvent.topic, messages: messages.slice(i, i + 1_000) }));
        if (inFlight.length >= 4) await inFlight.shift();
      }
      await Promise.all(inFlight);
    };
    const warmup = accessMessages(WARMUP_EVENTS, 1);
    await send(warmup);
    await waitFor(async () => (await traceCount(db)) === WARMUP_EVENTS, { timeoutMs: 120_000, intervalMs: 20, message: 'the warm-up events to be traced' });

    const messages = accessMessages(ACCESS_EVENTS, 2);
    const start = process.hrtime.bigint();
    await send(messages);
    await waitFor(async () => (await traceCount(db)) === WARMUP_EVENTS + ACCESS_EVENTS, { timeoutMs: 300_000, intervalMs: 10, message: 'every event to be traced' });
    const tracedPerSecond = ACCESS_EVENTS / (Number(process.hrtime.bigint() - start) / 1e9);
    const elapsedSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const notifications = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM notifications')).rows[0].n);
    // Where the time went: seconds spent inside the consumer's transactions (inbox + trace + notifications).
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('dmp_event_handle_duration_seconds_sum') && l.includes(AccessedEvent.topic));
    const transactionSeconds = line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
    const countLine = metrics.split('\n').find((l) => l.startsWith('dmp_event_handle_duration_seconds_count') && l.includes(AccessedEvent.topic));
    const transactions = countLine ? Number(countLine.slice(countLine.lastIndexOf(' ') + 1)) : NaN;
    console.log(
      `  ${round(elapsedSeconds, 2)} s elapsed; ${round(transactionSeconds, 2)} s inside ${transactions} consumer transactions ` +
        `(${round((WARMUP_EVENTS + ACCESS_EVENTS) / transactions)} events each on average; warm-up included, summed over partitions)`,
    );

    // 3. Openings: a campaign's opened events at once, until every record is open in consent.
    const openedBefore = await openCount(db);
    const openings = openingMessages(OPENING_EVENTS, 3);
    const openStart = process.hrtime.bigint();
    const openCpu0 = processCpuSeconds(service.pid) ?? 0;
    for (let i = 0; i < openings.length; i += 1_000) {
      await producer.send({ topic: RecordOpenedEvent.topic, messages: openings.slice(i, i + 1_000) });
    }
    await waitFor(async () => (await openCount(db)) === openedBefore + OPENING_EVENTS, { timeoutMs: 600_000, intervalMs: 20, message: 'every opening to be folded' });
    const openSeconds = Number(process.hrtime.bigint() - openStart) / 1e9;
    const openingsPerSecond = OPENING_EVENTS / openSeconds;
    console.log(
      `  openings: ${OPENING_EVENTS} in ${round(openSeconds, 2)} s; service CPU ${round((((processCpuSeconds(service.pid) ?? 0) - openCpu0) * 1e6) / OPENING_EVENTS)} µs per opening`,
    );

    await service.stop();
    const rawInsertPerSecond = await rawInsertBaseline(db, ACCESS_EVENTS);
    return { tracedPerSecond, rawInsertPerSecond, notifications, openingsPerSecond };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await db.end().catch(() => undefined);
    await service.stop().catch(() => undefined);
    await broker.stop();
    await pg.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`consent bench: decisions for ${DECISION_MS} ms, then ${ACCESS_EVENTS} access events end to end`);
  const decisions = benchDecisions();
  console.log(`decideAccess: ${round(decisions.decisionsPerSecond).toLocaleString('en')} decisions/s (${round(decisions.grantedShare * 100)}% granted in the mix)`);
  console.log(`baseline (trivial function call returning an object): ${round(decisions.baselinePerSecond).toLocaleString('en')} calls/s; ratio ${round(decisions.decisionsPerSecond / decisions.baselinePerSecond, 3)}`);
  const trace = await benchTrace();
  console.log(`access events traced end to end: ${round(trace.tracedPerSecond).toLocaleString('en')} events/s (${trace.notifications} notifications queued)`);
  console.log(`baseline (raw 1,000-row INSERTs of trace rows): ${round(trace.rawInsertPerSecond).toLocaleString('en')} rows/s; ratio ${round(trace.tracedPerSecond / trace.rawInsertPerSecond, 3)}`);
  console.log(`record openings folded end to end: ${round(trace.openingsPerSecond).toLocaleString('en')} openings/s; ratio ${round(trace.openingsPerSecond / trace.rawInsertPerSecond, 3)} to the raw INSERT baseline`);
  console.log(
    JSON.stringify({
      bench: 'consent',
      decisionsPerSecond: round(decisions.decisionsPerSecond),
      decisionBaselineCallsPerSecond: round(decisions.baselinePerSecond),
      decisionRatio: round(decisions.decisionsPerSecond / decisions.baselinePerSecond, 4),
      decisionTarget: 200_000,
      decisionTargetMet: decisions.decisionsPerSecond >= 200_000,
      accessEvents: ACCESS_EVENTS,
      tracedPerSecond: round(trace.tracedPerSecond),
      traceBaselineRawInsertRowsPerSecond: round(trace.rawInsertPerSecond),
      traceRatio: round(trace.tracedPerSecond / trace.rawInsertPerSecond, 4),
      traceTarget: 5_000,
      traceTargetMet: trace.tracedPerSecond >= 5_000,
      openingEvents: OPENING_EVENTS,
      openingsPerSecond: round(trace.openingsPerSecond),
      openingsRatio: round(trace.openingsPerSecond / trace.rawInsertPerSecond, 4),
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
