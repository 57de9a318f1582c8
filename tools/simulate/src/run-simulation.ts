import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actorRef, type Actor } from '@dmp/auth';
import { ActorRole, OpeningChannel, SourceCategory, generateIns, seededRandom } from '@dmp/domain';
import type { DocumentSubmissionPayload, DocumentSubmissionResultsPayload } from '@dmp/contracts';
import { DEV_AUTH_TOKEN_SECRET } from '@dmp/platform';
import { campaignAgent, runCampaign, type CampaignRowResult } from './bulk-openings';
import { SimulatedInsurer } from './insurer';
import { KafkaLink } from './kafka-link';
import { groupBy } from './group-by';
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
  PreferenceEntry,
  ServiceEndpoints,
  SimulationLedger,
  SimulationOptions,
  SimulationPhase,
  SimulationProgress,
} from './types';

export const DEFAULT_ENDPOINTS: Readonly<ServiceEndpoints> = {
  enrolment: 'http://127.0.0.1:3001',
  documents: 'http://127.0.0.1:3002',
  reimbursements: 'http://127.0.0.1:3003',
  consent: 'http://127.0.0.1:3004',
  analytics: 'http://127.0.0.1:3005',
};

export const DEFAULT_KAFKA_BROKERS: readonly string[] = ['127.0.0.1:19092'];

/**
 * Documents per submission on Kafka: an establishment's interface engine sends what it has
 * queued in one message; fifty small documents make a message of about 100 KB, and the
 * per-message costs (produce round trip, envelope validation, transaction) are paid once.
 */
const KAFKA_SUBMISSION_SIZE = 50;
/** Documents per HTTP submission (a request each; small batches, answered synchronously). */
const HTTP_SUBMISSION_SIZE = 10;
/** Share of patients who ask to be notified of every new document. */
const NEW_DOCUMENT_ALERT_SHARE = 0.2;
/** Rows per campaign job: one job is a few of enrolment's 2,000-row transactions at most. */
const CAMPAIGN_JOB_ROWS = 1_000;
/** Records whose opening consent must know before the authorisations start: the last ones opened... */
const CONSENT_PROBES_LAST = 32;
/** ...and a sample spread over all of them, so that consent's progress through a backlog shows. */
const CONSENT_PROBES_SPREAD = 96;
/** Probe requests per round while waiting for consent (each is a GET to consent). */
const CONSENT_PROBES_PER_ROUND = 16;

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
  const concurrency = options.concurrency ?? 32;
  const kafkaSubmissionSize = options.submissionSize ?? KAFKA_SUBMISSION_SIZE;
  const bulkOpenings = options.bulkOpenings ?? true;
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
    preferences: [],
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
    onFileImported: (summary) => insurer.onImported(summary),
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
    ...(options.maxPatientsPerFile ? { maxPatientsPerFile: options.maxPatientsPerFile } : {}),
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
    // The actor whose opening created (or would have created) each record: a repeat by "the same
    // opener" must be made in that name (a campaign's rows are opened in the campaign agent's).
    const openedAs = new Map<string, Actor>();
    const recordOpening = (
      planned: PlannedOpening,
      actor: Actor,
      answer: {
        outcome: OpeningEntry['outcome'];
        status: number;
        attempts: number;
        recordId?: string;
        reason?: string;
        bulkJobId?: string;
      },
    ): void => {
      const entry: OpeningEntry = {
        seq: planned.seq,
        ins: planned.patient.ins,
        intent: planned.intent,
        channel: planned.channel,
        actor: actorRef(actor),
        cpamCode: planned.patient.cpamCode,
        ...(actor.role === ActorRole.PHARMACY ? { pharmacyFiness: actor.finess } : {}),
        ...(planned.patient.representativeIns
          ? { representativeIns: planned.patient.representativeIns }
          : {}),
        birthDate: planned.patient.birthDate,
        outcome: answer.outcome,
        status: answer.status,
        attempts: answer.attempts,
        ...(answer.bulkJobId ? { bulkJobId: answer.bulkJobId } : {}),
        at: new Date().toISOString(),
      };
      if (answer.recordId && (entry.outcome === 'created' || entry.outcome === 'existing'))
        entry.recordId = answer.recordId;
      if (answer.reason) entry.reason = answer.reason;
      if (entry.outcome === 'unknown') state.unknown++;
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
    const open = async (planned: PlannedOpening): Promise<void> => {
      const actor =
        planned.intent === 'retry-same'
          ? (openedAs.get(planned.patient.ins) ?? planned.actor)
          : planned.actor;
      if (planned.intent === 'first') openedAs.set(planned.patient.ins, actor);
      const answer = await http.request('enrolment', 'POST', '/records', actor, {
        body: planned.body,
      });
      const recordId =
        (answer.body as { recordId?: string; id?: string } | undefined)?.recordId ??
        (answer.body as { id?: string } | undefined)?.id;
      const outcome: OpeningEntry['outcome'] =
        answer.status === 201
          ? 'created'
          : answer.status === 200
            ? 'existing'
            : answer.status === 409
              ? 'conflict'
              : answer.status >= 400 && answer.status < 500
                ? 'rejected'
                : 'unknown';
      if (isTransient(answer.status) && answer.status !== 0)
        anomaly(
          `opening ${planned.patient.ins}: final answer ${answer.status} ${answer.text.slice(0, 200)}`,
        );
      recordOpening(planned, actor, {
        outcome,
        status: answer.status,
        attempts: answer.attempts,
        ...(recordId ? { recordId } : {}),
        ...(outcome !== 'created' && outcome !== 'existing'
          ? { reason: describeRefusal(answer.status, answer.body, answer.text) }
          : {}),
      });
    };
    const firsts = plan.openings.filter((o) => o.intent === 'first');
    // CPAM counters open most of their records in campaigns (bulk jobs), per office.
    const campaignRows = bulkOpenings
      ? firsts.filter((o) => o.channel === OpeningChannel.CPAM_COUNTER)
      : [];
    const campaignSet = new Set(campaignRows);
    const campaignJobs: PlannedOpening[][] = [];
    for (const rows of groupBy(campaignRows, (o) => o.patient.cpamCode).values())
      for (let i = 0; i < rows.length; i += CAMPAIGN_JOB_ROWS)
        campaignJobs.push(rows.slice(i, i + CAMPAIGN_JOB_ROWS));
    const campaign = async (rows: PlannedOpening[]): Promise<void> => {
      const cpamCode = rows[0]?.patient.cpamCode ?? '';
      const actor = campaignAgent(cpamCode);
      for (const row of rows) openedAs.set(row.patient.ins, actor);
      const results = await runCampaign(
        http,
        actor,
        rows.map((row) => ({ ins: row.patient.ins, body: row.body })),
        { deadlineMs: retryDeadlineMs, ...(signal ? { signal } : {}), log },
      );
      for (const row of rows) {
        const result: CampaignRowResult | undefined = results.get(row.patient.ins);
        if (!result) {
          recordOpening(row, actor, {
            outcome: 'unknown',
            status: 0,
            attempts: 1,
            reason: 'no result for this row before the deadline (a campaign job cut short)',
          });
          continue;
        }
        // Already opened by an earlier job of ours that was cut short: opened by this campaign.
        const outcome: OpeningEntry['outcome'] =
          result.outcome === 'opened' ||
          (result.outcome === 'already-opened' && result.attempts > 1)
            ? 'created'
            : result.outcome === 'already-opened'
              ? 'existing'
              : result.outcome;
        recordOpening(row, actor, {
          outcome,
          status:
            outcome === 'created'
              ? 201
              : outcome === 'existing'
                ? 200
                : outcome === 'conflict'
                  ? 409
                  : 400,
          attempts: result.attempts,
          ...(result.recordId ? { recordId: result.recordId } : {}),
          ...(result.reason ? { reason: result.reason } : {}),
          bulkJobId: result.jobId,
        });
      }
    };
    await Promise.all([
      forEachLimited(campaignJobs, 2, campaign, signal),
      forEachLimited(
        firsts.filter((o) => !campaignSet.has(o)),
        concurrency,
        open,
        signal,
      ),
    ]);
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
    // Consent learns of openings from their events and answers 409 RECORD_NOT_OPEN until then.
    // Rather than every authorisation retrying on its own while consent catches up (thousands of
    // refused requests competing with consent for the CPU), wait once until consent knows a set
    // of probe records: the last ones opened (a few per partition key) and a sample spread over
    // all openings. At scale 100 consent's backlog takes longer than any fixed timeout, so the
    // wait lasts as long as consent keeps learning probes; it gives up only after
    // `settleTimeoutMs` without progress. A straggler still retries.
    const operator = { role: ActorRole.OPERATOR, operatorId: 'simulator' } as Actor;
    const probes = consentProbes(ledger.openings, plan.seed);
    const knownToConsent = new Set<string>();
    let lastProgressAt = Date.now();
    while (knownToConsent.size < probes.length && !signal?.aborted) {
      const before = knownToConsent.size;
      const round = probes
        .filter((ins) => !knownToConsent.has(ins))
        .slice(0, CONSENT_PROBES_PER_ROUND);
      await Promise.all(
        round.map(async (ins) => {
          const answer = await http.request('consent', 'GET', `/patients/${ins}/consent`, operator);
          if (answer.status === 200) knownToConsent.add(ins);
        }),
      );
      if (knownToConsent.size > before) lastProgressAt = Date.now();
      else if (Date.now() - lastProgressAt >= settleTimeoutMs) {
        log(
          `consent knows ${knownToConsent.size} of ${probes.length} probe records after ` +
            `${Math.round(settleTimeoutMs / 1000)} s without progress; authorising anyway`,
        );
        break;
      } else await sleep(1_000, signal);
    }
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

    // ---- notification preferences ----------------------------------------------------------------
    // Before the documents: a patient who asked to be told of new documents must be told of each
    // one filed afterwards. Consent answers 409 RECORD_NOT_OPEN until it has seen the opening.
    state.phase = 'preferences';
    const preferenceRandom = seededRandom((plan.seed ^ 0x9e3779b9) >>> 0);
    const preferencesOf = plan.patients.filter(
      (p) => preferenceRandom() < NEW_DOCUMENT_ALERT_SHARE && openRecords.has(p.ins),
    );
    const preferences: PreferenceEntry[] = ledger.preferences ?? [];
    await forEachLimited(
      preferencesOf,
      concurrency,
      async (patient) => {
        const by = (
          patient.representativeIns
            ? {
                role: ActorRole.LEGAL_REPRESENTATIVE,
                ins: patient.representativeIns,
                represents: [patient.ins],
              }
            : { role: ActorRole.PATIENT, ins: patient.ins }
        ) as Actor;
        const answer = await http.request(
          'consent',
          'PUT',
          `/patients/${patient.ins}/consent/notification-preferences`,
          by,
          {
            body: { channels: [], notifyOnNewDocument: true },
            retryWhen: (status, b) => status === 409 && errorCodeOf(b) === 'RECORD_NOT_OPEN',
          },
        );
        const entry: PreferenceEntry = {
          ins: patient.ins,
          by: actorRef(by),
          notifyOnNewDocument: true,
          outcome:
            answer.status === 200
              ? 'set'
              : answer.status >= 400 && answer.status < 500
                ? 'rejected'
                : 'unknown',
          status: answer.status,
          attempts: answer.attempts,
          at: new Date().toISOString(),
        };
        if (entry.outcome !== 'set') {
          entry.reason = describeRefusal(answer.status, answer.body, answer.text);
          if (entry.outcome === 'rejected')
            anomaly(`notification preferences ${patient.ins}: ${entry.reason}`);
          else state.unknown++;
        }
        preferences.push(entry);
      },
      signal,
    );
    preferences.sort((a, b) => (a.ins < b.ins ? -1 : a.ins > b.ins ? 1 : 0));

    // ---- documents --------------------------------------------------------------------------------
    state.phase = 'documents';
    const patientsByIns = new Map(plan.patients.map((p) => [p.ins, p]));
    // Who documents sees adding it: the establishment, the liberal professional, or the patient
    // side (a dependant's documents are added by their legal representative).
    const submitterOf = (d: PlannedDocument): Actor => {
      if (d.establishment)
        return {
          role: ActorRole.ESTABLISHMENT,
          finess: d.establishment.finess,
          kind: d.establishment.kind,
          category: d.establishment.category,
        } as Actor;
      if (d.sourceCategory === SourceCategory.PATIENT) {
        const representative = patientsByIns.get(d.ins)?.representativeIns;
        return (
          representative
            ? { role: ActorRole.LEGAL_REPRESENTATIVE, ins: representative, represents: [d.ins] }
            : { role: ActorRole.PATIENT, ins: d.ins }
        ) as Actor;
      }
      return {
        role: ActorRole.PROFESSIONAL,
        rpps: d.author.rpps,
        profession: d.author.profession,
      } as Actor;
    };
    const entryOf = (d: PlannedDocument, submitter: Actor): DocumentEntry => {
      const establishment = d.establishment;
      const entry: DocumentEntry = {
        seq: d.seq,
        documentId: d.documentId,
        ins: d.ins,
        intent: d.intent,
        sourceCategory: d.sourceCategory,
        way: establishment ? establishment.way : 'http',
        addedByRole: submitter.role,
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
      if (!openRecords.has(d.ins)) {
        entry.outcome = 'not-sent';
        entry.reason = 'not sent: the record was not opened';
      }
      return entry;
    };
    type Sendable = { planned: PlannedDocument; entry: DocumentEntry; submitter: Actor };
    interface Submission {
      payload: DocumentSubmissionPayload;
      entries: DocumentEntry[];
      way: 'kafka' | 'http';
      route: '/submissions' | '/submissions/professional' | '/submissions/patient';
      submitter: Actor;
    }
    const sendable: Sendable[] = [];
    for (const d of plan.documents) {
      const submitter = submitterOf(d);
      const entry = entryOf(d, submitter);
      ledger.documents.push(entry);
      const list = documentsById.get(d.documentId) ?? [];
      list.push(entry);
      documentsById.set(d.documentId, list);
      if (entry.outcome === 'not-sent') state.done.documents++;
      else sendable.push({ planned: d, entry, submitter });
    }
    // Only establishments hear of a parked document's fate (on the results topic): a professional
    // or a patient sees it in the record later. Such a document is not waited for.
    const awaitingAnswer = (d: DocumentEntry): boolean =>
      d.outcome === 'unknown' &&
      !(d.reason?.startsWith('not produced') ?? false) &&
      !(d.addedByRole !== ActorRole.ESTABLISHMENT && d.answers.includes('parked'));
    let submissionSeq = 0;
    const documentPayload = (
      d: PlannedDocument,
      route: Submission['route'],
    ): DocumentSubmissionPayload['documents'][number] => {
      const common = {
        documentId: d.documentId,
        ins: d.ins,
        type: d.type,
        format: d.format,
        title: d.title,
        authoredAt: d.authoredAt,
        sha256: d.sha256,
        sizeBytes: d.body.length,
        bodyBase64: d.body.toString('base64'),
      };
      // The patient side has no professional author and may not hide a document from itself.
      if (route === '/submissions/patient')
        return {
          ...common,
          visibility: {
            maskedFromProfessionals: d.maskedFromProfessionals,
            invisibleToLegalRepresentatives: false,
          },
        } as unknown as DocumentSubmissionPayload['documents'][number];
      return {
        ...common,
        author: { rpps: d.author.rpps, profession: d.author.profession },
        visibility: {
          maskedFromProfessionals: d.maskedFromProfessionals,
          invisibleToPatientUntilExplained: d.invisibleToPatientUntilExplained,
          invisibleToLegalRepresentatives: false,
        },
      } as DocumentSubmissionPayload['documents'][number];
    };
    const submissionsOf = (items: Sendable[]): Submission[] => {
      // One submission per submitter and chunk: an establishment's queue, a professional's
      // software, a patient's upload.
      const bySubmitter = groupBy(items, (item) => JSON.stringify(item.submitter));
      const out: Submission[] = [];
      for (const group of bySubmitter.values()) {
        const first = group[0];
        if (!first) continue;
        const e = first.planned.establishment;
        const route: Submission['route'] = e
          ? '/submissions'
          : first.submitter.role === ActorRole.PROFESSIONAL
            ? '/submissions/professional'
            : '/submissions/patient';
        const way = e ? e.way : 'http';
        const size = way === 'kafka' ? kafkaSubmissionSize : HTTP_SUBMISSION_SIZE;
        for (let i = 0; i < group.length; i += size) {
          const chunk = group.slice(i, i + size);
          const submissionId = `${submissionPrefix}${String(submissionSeq++).padStart(6, '0')}`;
          const payload = {
            submissionId,
            ...(e
              ? {
                  establishment: {
                    finess: e.finess,
                    kind: e.kind,
                    category: e.category,
                  } as DocumentSubmissionPayload['establishment'],
                }
              : {}),
            submittedAt: new Date().toISOString(),
            documents: chunk.map(({ planned }) => documentPayload(planned, route)),
          } as DocumentSubmissionPayload;
          for (const c of chunk) c.entry.submissionId = submissionId;
          out.push({
            payload,
            entries: chunk.map((c) => c.entry),
            way,
            route,
            submitter: first.submitter,
          });
        }
      }
      return out;
    };
    const submit = async (submission: Submission): Promise<void> => {
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
      const answer = await http.request(
        'documents',
        'POST',
        submission.route,
        submission.submitter,
        { body: submission.payload },
      );
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
      () => ledger.documents.every((d) => d.intent === 'resend' || !awaitingAnswer(d)),
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
      () => insurer.allImported() && ledger.documents.every((d) => !awaitingAnswer(d)),
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

/**
 * The records whose opening consent must know before consent is asked to act on records: the
 * last ones opened (consent reads each partition in order, so knowing them means knowing the
 * partitions' earlier openings), then a seeded sample of the others in opening order (oldest
 * first, so they turn known one after the other while consent works through a backlog).
 */
export function consentProbes(openings: readonly OpeningEntry[], seed: number): string[] {
  const created = openings
    .filter((o) => o.outcome === 'created')
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const last = created.slice(-CONSENT_PROBES_LAST);
  const rest = created.slice(0, Math.max(0, created.length - CONSENT_PROBES_LAST));
  const random = seededRandom((seed ^ 0xc0ffee) >>> 0);
  const share = Math.min(1, CONSENT_PROBES_SPREAD / Math.max(1, rest.length));
  const spread = rest.filter(() => random() < share);
  return [...spread, ...last].map((o) => o.ins);
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
