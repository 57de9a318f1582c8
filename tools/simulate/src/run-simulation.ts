import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actorRef, type Actor } from '@dmp/auth';
import { ActorRole, SourceCategory, generateIns, seededRandom } from '@dmp/domain';
import type { DocumentSubmissionPayload, DocumentSubmissionResultsPayload } from '@dmp/contracts';
import { DEV_AUTH_TOKEN_SECRET } from '@dmp/platform';
import { SimulatedInsurer } from './insurer';
import { KafkaLink } from './kafka-link';
import { computeTotals } from './ledger';
import {
  planSimulation,
  type PlannedConsultation,
  type PlannedDocument,
  type PlannedOpening,
  type SimulationPlan,
} from './plan';
import {
  SuiteHttp,
  describeRefusal,
  errorCodeOf,
  forEachLimited,
  isTransient,
  sleep,
} from './suite-http';
import type {
  ActionKind,
  AuthorisationEntry,
  ConsultationEntry,
  DependantEntry,
  DocumentEntry,
  OpeningEntry,
  ServiceEndpoints,
  SimulationLedger,
  SimulationOptions,
  SimulationPhase,
  SimulationProgress,
  SimEstablishment,
} from './types';

export const DEFAULT_ENDPOINTS: Readonly<ServiceEndpoints> = {
  enrolment: 'http://127.0.0.1:3001',
  documents: 'http://127.0.0.1:3002',
  reimbursements: 'http://127.0.0.1:3003',
  consent: 'http://127.0.0.1:3004',
  analytics: 'http://127.0.0.1:3005',
};

export const DEFAULT_KAFKA_BROKERS: readonly string[] = ['127.0.0.1:19092'];

/** Documents per submission (establishments send in small batches, around the clock). */
const SUBMISSION_SIZE = 10;

/** Where the run is and what it has done; read by the progress timer. */
class RunState {
  private current: SimulationPhase = 'population';
  private since = Date.now();
  readonly durations: Partial<Record<SimulationPhase, number>> = {};

  get phase(): SimulationPhase {
    return this.current;
  }

  set phase(next: SimulationPhase) {
    const now = Date.now();
    this.durations[this.current] = (this.durations[this.current] ?? 0) + now - this.since;
    this.current = next;
    this.since = now;
  }

  readonly done: Record<ActionKind, number> = {
    openings: 0,
    authorisations: 0,
    documents: 0,
    feedFiles: 0,
    consultations: 0,
  };
  readonly planned: Record<ActionKind, number> = {
    openings: 0,
    authorisations: 0,
    documents: 0,
    feedFiles: 0,
    consultations: 0,
  };
  unknown = 0;
}

/**
 * Runs one simulation against a running suite and resolves with its ledger (also when aborted:
 * what was not done is absent, what got no answer is `unknown`). Phases: openings, then the
 * patients' authorisations, then documents (Kafka and HTTP) while the insurer answers the
 * backfill requests, then consultations, then the insurer's delta, then waiting for every
 * asynchronous answer (submission results, imports) up to `settleTimeoutMs`.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationLedger> {
  const started = new Date();
  const log = options.log ?? (() => undefined);
  const endpoints: ServiceEndpoints = { ...DEFAULT_ENDPOINTS, ...options.endpoints };
  const kafkaBrokers = [...(options.kafkaBrokers ?? DEFAULT_KAFKA_BROKERS)];
  const retryDeadlineMs = options.retryDeadlineMs ?? 120_000;
  const settleTimeoutMs = options.settleTimeoutMs ?? 120_000;
  const concurrency = options.concurrency ?? 16;
  const signal = options.signal;
  const runId = randomBytes(4).toString('hex');
  // Every waiting request listens to the signal.
  if (signal) setMaxListeners(0, signal);
  const state = new RunState();

  const plan: SimulationPlan = planSimulation({
    seed: options.seed,
    scale: options.scale,
    ...(options.now ? { now: options.now } : {}),
    ...(options.httpEstablishmentShare !== undefined
      ? { httpEstablishmentShare: options.httpEstablishmentShare }
      : {}),
  });
  const ledger: SimulationLedger = {
    version: 1,
    seed: plan.seed,
    scale: plan.scale,
    startedAt: started.toISOString(),
    finishedAt: started.toISOString(),
    durationMs: 0,
    aborted: false,
    endpoints,
    kafkaBrokers,
    population: plan.population,
    openings: [],
    dependants: plan.patients.flatMap((p): DependantEntry[] =>
      p.representativeIns
        ? [{ ins: p.ins, representativeIns: p.representativeIns, relationship: 'parent' }]
        : [],
    ),
    documents: [],
    backfillRequests: [],
    feedFiles: [],
    authorisations: [],
    consultations: [],
    totals: computeTotals(
      {
        openings: [],
        dependants: [],
        documents: [],
        backfillRequests: [],
        feedFiles: [],
        authorisations: [],
        consultations: [],
      },
      0,
    ),
    phaseDurationsMs: state.durations,
    anomalies: [],
  };
  state.planned.openings = plan.openings.length;
  state.planned.authorisations = plan.authorisations.length;
  state.planned.documents = plan.documents.length;
  state.planned.consultations = plan.consultations.length;

  const http = new SuiteHttp(
    endpoints,
    options.tokenSecret ?? DEV_AUTH_TOKEN_SECRET,
    retryDeadlineMs,
    signal,
    log,
  );
  const anomaly = (line: string): void => {
    ledger.anomalies.push(line);
    log(`ANOMALY ${line}`);
  };

  // Progress: one report per interval with the rate over that interval.
  const interval = options.progressIntervalMs ?? 1000;
  let lastTotal = 0;
  let lastAt = Date.now();
  const progress = (): SimulationProgress => {
    const total = Object.values(state.done).reduce((a, b) => a + b, 0);
    const now = Date.now();
    const rate = now > lastAt ? ((total - lastTotal) * 1000) / (now - lastAt) : 0;
    lastTotal = total;
    lastAt = now;
    state.done.feedFiles = insurer?.files.filter((f) => f.outcome !== 'unknown').length ?? 0;
    state.planned.feedFiles = insurer?.files.length ?? 0;
    return {
      phase: state.phase,
      elapsedMs: now - started.getTime(),
      done: { ...state.done },
      planned: { ...state.planned },
      ratePerSecond: Math.round(rate * 10) / 10,
      retries: http.retries,
      unknown: state.unknown,
    };
  };
  const timer = options.onProgress
    ? setInterval(() => options.onProgress?.(progress()), interval)
    : undefined;

  // Opened records, as far as the simulation knows: the insurer's lines for them must be stored.
  const openRecords = new Set<string>();
  const documentsById = new Map<string, DocumentEntry[]>();
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'dmp-simulate-'));
  mkdirSync(workDir, { recursive: true });

  const submissionPrefix = `sim-${plan.seed}-${runId}-`;
  const onResult = (result: DocumentSubmissionResultsPayload): void => {
    for (const r of result.results) {
      if (r.documentId === undefined) continue;
      for (const entry of documentsById.get(r.documentId) ?? []) {
        if (entry.submissionId === result.submissionId)
          recordDocumentAnswer(entry, r.outcome, r.reasons);
      }
    }
    if (result.submissionRejectedReason) {
      for (const entries of documentsById.values())
        for (const e of entries)
          if (e.submissionId === result.submissionId)
            recordDocumentAnswer(e, 'rejected', [result.submissionRejectedReason]);
    }
  };
  const kafka = new KafkaLink({
    brokers: kafkaBrokers,
    runId,
    submissionPrefix,
    onSubmissionResult: onResult,
    onBackfillRequest: (request) => {
      if (plannedIns.has(request.ins)) insurer.onRequest(request);
    },
    since: started,
    log,
    ...(signal ? { signal } : {}),
  });
  const plannedIns = new Set(plan.patients.map((p) => p.ins));
  const insurer: SimulatedInsurer = new SimulatedInsurer({
    seed: plan.seed,
    http,
    kafka,
    workDir,
    delivery:
      options.feedDelivery && options.feedDelivery.length > 0 ? options.feedDelivery : ['upload'],
    ...(options.dropDir ? { dropDir: options.dropDir } : {}),
    linesPerPatient: options.linesPerPatient ?? 100,
    now: plan.now,
    retryDeadlineMs,
    isOpen: (ins) => openRecords.has(ins),
    log,
    ...(signal ? { signal } : {}),
  });

  function recordDocumentAnswer(entry: DocumentEntry, outcome: string, reasons: string[]): void {
    entry.answers.push(outcome);
    if (entry.outcome === 'accepted') return;
    const before = entry.outcome;
    if (outcome === 'accepted') entry.outcome = 'accepted';
    // A duplicate answer to a document of ours sent once means an earlier attempt of ours stored it.
    else if (outcome === 'duplicate')
      entry.outcome = entry.intent === 'resend' ? 'duplicate' : 'accepted';
    else if (outcome === 'rejected') {
      entry.outcome = 'rejected';
      entry.reason = reasons.join('; ');
    } else if (outcome === 'parked')
      entry.reason =
        reasons.join('; ') || 'parked: the record opening has not reached documents yet';
    if (before === 'unknown' && entry.outcome !== 'unknown') state.done.documents++;
  }

  try {
    log(
      `run ${runId}: ${plan.patients.length} patients, ${plan.openings.length} openings, ${plan.documents.length} documents, ${plan.consultations.length} consultation visits planned`,
    );
    await kafka.start();
    insurer.start();

    // ---- openings -----------------------------------------------------------------------------
    state.phase = 'openings';
    const open = async (planned: PlannedOpening): Promise<void> => {
      const answer = await http.request('enrolment', 'POST', '/records', planned.actor, {
        body: planned.body,
      });
      const entry: OpeningEntry = {
        seq: planned.seq,
        ins: planned.patient.ins,
        intent: planned.intent,
        channel: planned.channel,
        actor: actorRef(planned.actor),
        cpamCode: planned.patient.cpamCode,
        ...(planned.actor.role === ActorRole.PHARMACY
          ? { pharmacyFiness: planned.actor.finess }
          : {}),
        ...(planned.patient.representativeIns
          ? { representativeIns: planned.patient.representativeIns }
          : {}),
        birthDate: planned.patient.birthDate,
        outcome: 'unknown',
        status: answer.status,
        attempts: answer.attempts,
        at: new Date().toISOString(),
      };
      const recordId =
        (answer.body as { recordId?: string; id?: string } | undefined)?.recordId ??
        (answer.body as { id?: string } | undefined)?.id;
      if (answer.status === 201) entry.outcome = 'created';
      else if (answer.status === 200) entry.outcome = 'existing';
      else if (answer.status === 409) entry.outcome = 'conflict';
      else if (answer.status >= 400 && answer.status < 500) entry.outcome = 'rejected';
      if (recordId && (entry.outcome === 'created' || entry.outcome === 'existing'))
        entry.recordId = recordId;
      if (entry.outcome !== 'created' && entry.outcome !== 'existing')
        entry.reason = describeRefusal(answer.status, answer.body, answer.text);
      if (entry.outcome === 'unknown') state.unknown++;
      if (isTransient(answer.status) && answer.status !== 0)
        anomaly(
          `opening ${planned.patient.ins}: final answer ${answer.status} ${answer.text.slice(0, 200)}`,
        );
      if (planned.intent === 'first' && entry.outcome === 'conflict')
        anomaly(
          `opening ${planned.patient.ins} (first, ${planned.channel}): 409 ${entry.reason ?? ''}`,
        );
      if (planned.intent === 'first' && entry.outcome === 'rejected')
        anomaly(
          `opening ${planned.patient.ins} (first, ${planned.channel}): refused ${entry.reason ?? ''}`,
        );
      if (
        entry.outcome === 'created' ||
        entry.outcome === 'existing' ||
        (entry.outcome === 'conflict' && planned.intent !== 'invalid')
      )
        openRecords.add(planned.patient.ins);
      ledger.openings.push(entry);
      state.done.openings++;
    };
    const firsts = plan.openings.filter((o) => o.intent === 'first');
    await forEachLimited(firsts, concurrency, open, signal);
    // Repeats and defects after the first openings: they are about records that exist by now.
    await forEachLimited(
      plan.openings.filter((o) => o.intent !== 'first'),
      concurrency,
      open,
      signal,
    );
    ledger.openings.sort((a, b) => a.seq - b.seq);

    // ---- authorisations -------------------------------------------------------------------------
    state.phase = 'authorisations';
    await forEachLimited(
      plan.authorisations,
      concurrency,
      async (planned) => {
        const entry: AuthorisationEntry = {
          seq: planned.seq,
          ins: planned.ins,
          by: actorRef(planned.by),
          grantee: planned.grantee,
          outcome: 'unknown',
          status: 0,
          attempts: 0,
          at: new Date().toISOString(),
        };
        if (!openRecords.has(planned.ins)) {
          entry.outcome = 'rejected';
          entry.reason = 'not attempted: the record was not opened';
        } else {
          const body =
            planned.grantee.kind === 'professional'
              ? { kind: 'professional', rpps: planned.grantee.rpps }
              : { kind: 'establishment', finess: planned.grantee.finess };
          // Consent learns of the opening from its event: until then it answers 409 RECORD_NOT_OPEN.
          const answer = await http.request(
            'consent',
            'POST',
            `/patients/${planned.ins}/consent/authorisations`,
            planned.by,
            {
              body,
              retryWhen: (status, b) => status === 409 && errorCodeOf(b) === 'RECORD_NOT_OPEN',
            },
          );
          entry.status = answer.status;
          entry.attempts = answer.attempts;
          if (answer.status === 200 || answer.status === 201) entry.outcome = 'authorised';
          else if (answer.status >= 400 && answer.status < 500) {
            entry.outcome = 'rejected';
            entry.reason = describeRefusal(answer.status, answer.body, answer.text);
            anomaly(
              `authorisation ${planned.ins} -> ${JSON.stringify(planned.grantee)}: ${entry.reason}`,
            );
          } else state.unknown++;
        }
        ledger.authorisations.push(entry);
        state.done.authorisations++;
      },
      signal,
    );
    ledger.authorisations.sort((a, b) => a.seq - b.seq);

    // ---- documents --------------------------------------------------------------------------------
    state.phase = 'documents';
    const entryOf = (d: PlannedDocument): DocumentEntry => {
      const establishment = d.establishment;
      const entry: DocumentEntry = {
        seq: d.seq,
        documentId: d.documentId,
        ins: d.ins,
        intent: d.intent,
        sourceCategory: d.sourceCategory,
        way: establishment ? establishment.way : 'none',
        ...(establishment ? { establishmentFiness: establishment.finess } : {}),
        ...(d.author.rpps ? { authorRpps: d.author.rpps } : {}),
        type: d.type,
        format: d.format,
        sha256: d.sha256,
        sizeBytes: d.body.length,
        maskedFromProfessionals: d.maskedFromProfessionals,
        invisibleToPatientUntilExplained: d.invisibleToPatientUntilExplained,
        outcome: 'unknown',
        answers: [],
        attempts: 0,
        at: new Date().toISOString(),
      };
      if (!establishment) {
        entry.outcome = 'not-sent';
        entry.reason =
          d.sourceCategory === SourceCategory.PATIENT
            ? 'no public way in: documents accepts submissions from establishments only (no route for a patient to add a document)'
            : 'no public way in: documents accepts submissions from establishments only (no route for a liberal professional or another structure)';
      } else if (!openRecords.has(d.ins)) {
        entry.outcome = 'not-sent';
        entry.reason = 'not sent: the record was not opened';
      }
      return entry;
    };
    type Sendable = {
      planned: PlannedDocument;
      entry: DocumentEntry;
      establishment: SimEstablishment;
    };
    const sendable: Sendable[] = [];
    for (const d of plan.documents) {
      const entry = entryOf(d);
      ledger.documents.push(entry);
      const list = documentsById.get(d.documentId) ?? [];
      list.push(entry);
      documentsById.set(d.documentId, list);
      if (entry.outcome === 'not-sent') state.done.documents++;
      else if (d.establishment)
        sendable.push({ planned: d, entry, establishment: d.establishment });
    }
    let submissionSeq = 0;
    const submissionsOf = (
      items: typeof sendable,
    ): Array<{
      payload: DocumentSubmissionPayload;
      entries: DocumentEntry[];
      way: 'kafka' | 'http';
    }> => {
      const byEstablishment = new Map<string, typeof sendable>();
      for (const item of items) {
        const key = item.establishment.finess;
        const group = byEstablishment.get(key) ?? [];
        group.push(item);
        byEstablishment.set(key, group);
      }
      const out: Array<{
        payload: DocumentSubmissionPayload;
        entries: DocumentEntry[];
        way: 'kafka' | 'http';
      }> = [];
      for (const group of byEstablishment.values()) {
        for (let i = 0; i < group.length; i += SUBMISSION_SIZE) {
          const chunk = group.slice(i, i + SUBMISSION_SIZE);
          const e = chunk[0].establishment;
          const submissionId = `${submissionPrefix}${String(submissionSeq++).padStart(6, '0')}`;
          const payload: DocumentSubmissionPayload = {
            submissionId,
            establishment: {
              finess: e.finess,
              kind: e.kind,
              category: e.category,
            } as DocumentSubmissionPayload['establishment'],
            submittedAt: new Date().toISOString(),
            documents: chunk.map(({ planned: d }) => ({
              documentId: d.documentId,
              ins: d.ins,
              type: d.type,
              format: d.format,
              title: d.title,
              author: { rpps: d.author.rpps, profession: d.author.profession },
              authoredAt: d.authoredAt,
              sha256: d.sha256,
              sizeBytes: d.body.length,
              visibility: {
                maskedFromProfessionals: d.maskedFromProfessionals,
                invisibleToPatientUntilExplained: d.invisibleToPatientUntilExplained,
                invisibleToLegalRepresentatives: false,
              },
              bodyBase64: d.body.toString('base64'),
            })),
          };
          for (const c of chunk) c.entry.submissionId = submissionId;
          out.push({ payload, entries: chunk.map((c) => c.entry), way: e.way });
        }
      }
      return out;
    };
    const submit = async (submission: {
      payload: DocumentSubmissionPayload;
      entries: DocumentEntry[];
      way: 'kafka' | 'http';
    }): Promise<void> => {
      const e = submission.payload.establishment;
      if (submission.way === 'kafka') {
        const sent = await kafka.produceSubmission(submission.payload, retryDeadlineMs);
        for (const entry of submission.entries) entry.attempts = sent.attempts;
        if (!sent.ok) {
          for (const entry of submission.entries) {
            entry.reason = `not produced: ${sent.error ?? 'unknown error'}`;
            state.unknown++;
          }
        }
        return;
      }
      const actor = {
        role: ActorRole.ESTABLISHMENT,
        finess: e.finess,
        kind: e.kind,
        category: e.category,
      } as Actor;
      const answer = await http.request('documents', 'POST', '/submissions', actor, {
        body: submission.payload,
      });
      for (const entry of submission.entries) entry.attempts = answer.attempts;
      if (answer.status === 200 || answer.status === 201) {
        const body = answer.body as {
          results?: Array<{ documentId?: string; outcome: string; reasons?: string[] }>;
          submissionRejectedReason?: string;
        };
        for (const r of body.results ?? []) {
          const entry = submission.entries.find((x) => x.documentId === r.documentId);
          if (entry) recordDocumentAnswer(entry, r.outcome, r.reasons ?? []);
        }
        if (body.submissionRejectedReason)
          for (const entry of submission.entries)
            recordDocumentAnswer(entry, 'rejected', [body.submissionRejectedReason]);
      } else if (answer.status >= 400 && answer.status < 500) {
        const reason = describeRefusal(answer.status, answer.body, answer.text);
        for (const entry of submission.entries) recordDocumentAnswer(entry, 'rejected', [reason]);
        anomaly(`submission ${submission.payload.submissionId}: ${reason}`);
      } else {
        if (answer.status !== 0)
          anomaly(
            `submission ${submission.payload.submissionId}: final answer ${answer.status} ${answer.text.slice(0, 200)}`,
          );
        for (const entry of submission.entries)
          entry.reason = describeRefusal(answer.status, answer.body, answer.text);
      }
    };
    // Originals and defects first; re-sends once the originals have their answers (a re-send in
    // the same submission as its original would test something else).
    const resends = sendable.filter((s) => s.entry.intent === 'resend');
    await forEachLimited(
      submissionsOf(sendable.filter((s) => s.entry.intent !== 'resend')),
      Math.max(2, Math.floor(concurrency / 2)),
      submit,
      signal,
    );
    state.phase = 'settling';
    await waitUntil(
      () =>
        ledger.documents.every(
          (d) =>
            d.intent === 'resend' ||
            d.outcome !== 'unknown' ||
            (d.reason?.startsWith('not produced') ?? false),
        ),
      settleTimeoutMs,
      signal,
    );
    state.phase = 'documents';
    await forEachLimited(submissionsOf(resends), concurrency, submit, signal);

    // ---- reimbursements: wait for the backfills of the records opened ------------------------
    state.phase = 'reimbursements';
    const created = new Set(
      ledger.openings.filter((o) => o.outcome === 'created').map((o) => o.ins),
    );
    await waitUntil(
      () => [...created].every((ins) => insurer.requested.has(ins)) && insurer.allImported(),
      settleTimeoutMs,
      signal,
    );

    // ---- consultations -------------------------------------------------------------------------
    state.phase = 'consultations';
    const firstGranted = new Set<string>();
    // The document a professional opens: the patient's first accepted one that is not masked from them.
    const readable = new Map<string, DocumentEntry>();
    for (const d of ledger.documents)
      if (d.outcome === 'accepted' && !d.maskedFromProfessionals && !readable.has(d.ins))
        readable.set(d.ins, d);
    const byPair = new Map<string, PlannedConsultation[]>();
    for (const c of plan.consultations) {
      const key = `${c.ins}|${c.professional.rpps}`;
      const list = byPair.get(key) ?? [];
      list.push(c);
      byPair.set(key, list);
    }
    let consultationSeq = 0;
    const read = async (
      c: PlannedConsultation,
      target: ConsultationEntry['target'],
      path: string,
      documentId?: string,
    ): Promise<ConsultationEntry> => {
      const actor = {
        role: ActorRole.PROFESSIONAL,
        rpps: c.professional.rpps,
        profession: c.professional.profession,
      } as Actor;
      const query =
        c.mode === 'emergency'
          ? `${path.includes('?') ? '&' : '?'}mode=emergency&reason=${encodeURIComponent(c.emergencyReason ?? 'emergency')}`
          : '';
      const service = target === 'reimbursements' ? 'reimbursements' : 'documents';
      const answer = await http.request(service, 'GET', `${path}${query}`, actor);
      const entry: ConsultationEntry = {
        seq: consultationSeq++,
        ins: c.ins,
        rpps: c.professional.rpps,
        profession: c.professional.profession,
        mode: c.mode,
        ...(c.emergencyReason && c.mode === 'emergency'
          ? { emergencyReason: c.emergencyReason }
          : {}),
        target,
        ...(documentId ? { documentId } : {}),
        outcome: 'unknown',
        status: answer.status,
        firstAccess: false,
        traceEntries: 0,
        attempts: answer.attempts,
        at: new Date().toISOString(),
      };
      if (answer.status === 200) {
        entry.outcome = 'granted';
        if (target === 'documents-list') {
          const page = answer.body as { items?: unknown[]; refused?: number };
          const considered = (page.items?.length ?? 0) + (page.refused ?? 0);
          entry.traceEntries = Math.max(1, considered);
          // A list where every document was refused grants nothing.
          if ((page.items?.length ?? 0) === 0 && (page.refused ?? 0) > 0) {
            entry.outcome = 'refused';
            entry.reason = `every document of the list was refused (${page.refused ?? 0})`;
          }
        } else entry.traceEntries = 1;
      } else if (answer.status === 403) {
        entry.outcome = 'refused';
        entry.reason = describeRefusal(answer.status, answer.body, answer.text);
        entry.traceEntries = 1;
      } else if (answer.status >= 400 && answer.status < 500) {
        entry.outcome = 'refused';
        entry.reason = describeRefusal(answer.status, answer.body, answer.text);
        anomaly(`consultation ${target} ${c.ins} by ${c.professional.rpps}: ${entry.reason}`);
      } else {
        state.unknown++;
        if (answer.status !== 0)
          anomaly(
            `consultation ${target} ${c.ins}: final answer ${answer.status} ${answer.text.slice(0, 200)}`,
          );
      }
      const pair = `${c.ins}|${c.professional.rpps}`;
      if (entry.outcome === 'granted' && !firstGranted.has(pair)) {
        firstGranted.add(pair);
        entry.firstAccess = true;
      }
      ledger.consultations.push(entry);
      return entry;
    };
    await forEachLimited(
      [...byPair.values()],
      concurrency,
      async (visits) => {
        // One professional's visits to one patient in order: "first access" is well defined.
        for (const c of visits) {
          if (signal?.aborted) return;
          const list = await read(c, 'documents-list', `/patients/${c.ins}/documents?limit=100`);
          if (list.outcome === 'granted') {
            const accepted = readable.get(c.ins);
            if (accepted)
              await read(
                c,
                'document',
                `/patients/${c.ins}/documents/${encodeURIComponent(accepted.documentId)}`,
                accepted.documentId,
              );
          }
          await read(c, 'reimbursements', `/patients/${c.ins}/reimbursements?pageSize=20`);
          state.done.consultations++;
        }
      },
      signal,
    );
    ledger.consultations.sort((a, b) => a.seq - b.seq);

    // ---- the insurer's delta -----------------------------------------------------------------
    state.phase = 'reimbursements';
    const deltaRandom = seededRandom((plan.seed ^ 0x5eed) >>> 0);
    const openList = [...openRecords].sort();
    const deltaPatients = openList.filter(() => deltaRandom() < 0.2);
    const strangers = [generateIns(deltaRandom), generateIns(deltaRandom)].filter(
      (ins) => !plannedIns.has(ins),
    );
    await insurer.sendDelta(deltaPatients, strangers);

    // ---- settling -------------------------------------------------------------------------------
    state.phase = 'settling';
    await waitUntil(
      () =>
        insurer.allImported() &&
        ledger.documents.every(
          (d) => d.outcome !== 'unknown' || (d.reason?.startsWith('not produced') ?? false),
        ),
      settleTimeoutMs,
      signal,
    );
  } finally {
    await insurer.stop().catch((error: unknown) => log(`insurer stop: ${String(error)}`));
    await kafka.stop();
    if (timer) clearInterval(timer);
    for (const d of ledger.documents) if (d.outcome === 'unknown') state.unknown++;
    ledger.backfillRequests = insurer.requests;
    ledger.feedFiles = insurer.files;
    ledger.documents.sort((a, b) => a.seq - b.seq);
    ledger.aborted = signal?.aborted ?? false;
    ledger.totals = computeTotals(ledger, http.retries);
    const finished = new Date();
    ledger.finishedAt = finished.toISOString();
    ledger.durationMs = finished.getTime() - started.getTime();
    state.phase = 'done';
    options.onProgress?.(progress());
  }
  return ledger;
}

async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline || signal?.aborted) return false;
    await sleep(200, signal);
  }
  return true;
}
