import type {
  DocumentFormat,
  DocumentType,
  EstablishmentCategory,
  EstablishmentKind,
  OpeningChannel,
  Profession,
  SourceCategory,
} from '@dmp/domain';

/**
 * The simulator's public types. The ledger is the contract with whoever checks a run afterwards
 * (the invariant checks, the chaos run): it says, action by action, what the simulator asked
 * and what the suite answered, with the identifiers needed to look each fact up again through
 * the public APIs. Everything here is plain data: `JSON.stringify(ledger)` is the ledger file.
 */

export type ServiceName = 'enrolment' | 'documents' | 'reimbursements' | 'consent' | 'analytics';

/** Base URL of each service, without a trailing slash (`http://127.0.0.1:3001`). */
export type ServiceEndpoints = Record<ServiceName, string>;

/** How the simulated insurer delivers its files to reimbursements (the three documented ways in). */
export type FeedDelivery = 'upload' | 'drop-folder' | 'announcement';

export interface SimulationOptions {
  /** Seed of every random choice: the same seed and scale plan the same population and actions. */
  seed: number;
  /** 1 = about 500 openings, 1,000 documents, 50,000 reimbursement lines; the rest grows linearly. Fractions allowed (0.05 for a test). */
  scale: number;
  /** Default: the `npm start` ports, http://127.0.0.1:3001-3005. */
  endpoints?: Partial<ServiceEndpoints>;
  /** Default ['127.0.0.1:19092']. */
  kafkaBrokers?: string[];
  /** HMAC secret the services verify tokens with. Default: the development secret of @dmp/platform. */
  tokenSecret?: string;
  /**
   * How the insurer delivers files: one way, or a rotation over several (file i uses way i mod n).
   * Default ['upload']. 'drop-folder' and 'announcement' need `dropDir` (the service's
   * REIMBURSEMENTS_DROP_DIR, on this machine).
   */
  feedDelivery?: FeedDelivery[];
  /** The reimbursements service's drop folder (absolute path). */
  dropDir?: string;
  /** Where feed files are generated before upload (default: a fresh directory under the OS temp dir). */
  workDir?: string;
  /** Share of establishments that submit over HTTP instead of Kafka (default 0.2). */
  httpEstablishmentShare?: number;
  /** HTTP requests in flight at once per phase (default 32). */
  concurrency?: number;
  /**
   * CPAM counters open their records in campaigns (enrolment's bulk jobs, one per office and
   * thousand patients) instead of one request each (default true).
   */
  bulkOpenings?: boolean;
  /** Documents per Kafka submission (default 50; HTTP submissions carry 10). */
  submissionSize?: number;
  /** Patients per insurer backfill file (default 2,000). */
  maxPatientsPerFile?: number;
  /**
   * How long one action keeps being retried while the suite does not answer (connection refused,
   * 502/503/504, timeouts) before its outcome is recorded as `unknown` (default 120 s).
   */
  retryDeadlineMs?: number;
  /** How long to wait for the asynchronous answers (Kafka submission results, backfill requests, imports) once everything is sent (default 120 s). */
  settleTimeoutMs?: number;
  /** Mean reimbursement lines per patient in a backfill file (default 100: tens a year, two years). */
  linesPerPatient?: number;
  /** The reference "now" of the generated data (default: the current time). */
  now?: Date;
  /** Called about every `progressIntervalMs` (default 1000) and once at the end. */
  onProgress?: (progress: SimulationProgress) => void;
  progressIntervalMs?: number;
  /** Free-text events worth a line (phase changes, retries after an outage). Default: silent. */
  log?: (line: string) => void;
  /** Stops the run early: pending actions are recorded as `unknown`, the ledger is still returned. */
  signal?: AbortSignal;
}

export type SimulationPhase =
  | 'population'
  | 'openings'
  | 'authorisations'
  | 'preferences'
  | 'documents'
  | 'reimbursements'
  | 'consultations'
  | 'settling'
  | 'done';

/** The kinds of action the simulator counts. */
export type ActionKind =
  'openings' | 'authorisations' | 'documents' | 'feedFiles' | 'consultations';

export interface SimulationProgress {
  phase: SimulationPhase;
  elapsedMs: number;
  /** Actions that have their final outcome, per kind. */
  done: Record<ActionKind, number>;
  /** Actions planned, per kind. */
  planned: Record<ActionKind, number>;
  /** Actions done per second over the last interval (all kinds). */
  ratePerSecond: number;
  /** Requests repeated because the suite did not answer. */
  retries: number;
  /** Actions whose outcome stayed unknown (deadline passed without an answer). */
  unknown: number;
}

// ---- the population -------------------------------------------------------------------------

export interface SimCpamOffice {
  code: string;
  name: string;
  coveredPopulation: number;
}

export interface SimPharmacy {
  finess: string;
  cpamCode: string;
}

export interface SimEstablishment {
  finess: string;
  kind: EstablishmentKind;
  category: EstablishmentCategory;
  name: string;
  cpamCode: string;
  /** How it sends its documents. */
  way: 'kafka' | 'http';
}

export interface SimProfessional {
  rpps: string;
  profession: Profession;
  /** Liberal (own practice) or salaried in `establishmentFiness`. */
  liberal: boolean;
  establishmentFiness?: string;
  cpamCode: string;
}

export interface SimPopulation {
  cpamOffices: SimCpamOffice[];
  pharmacies: SimPharmacy[];
  establishments: SimEstablishment[];
  professionals: SimProfessional[];
  /** Adults who may have a record (the dependants are in `dependants`). */
  patients: number;
  dependants: number;
}

// ---- the ledger -----------------------------------------------------------------------------

/** Who acted: a role and its identifier (agent id, FINESS, INS, RPPS), as in the events. */
export interface LedgerActor {
  role: string;
  id: string;
}

/**
 * Why an action was made: `first` is a patient's normal opening; `retry-same` repeats it with the
 * same opener (the suite must answer with the same record, 200); `other-channel` tries to open an
 * already-open record from another channel (409); `invalid` carries a deliberate defect (400).
 */
export type OpeningIntent = 'first' | 'retry-same' | 'other-channel' | 'invalid';

/**
 * `created` 201; `existing` 200, the same record (the same opener asked again, or a retry of
 * ours whose first answer was lost); `conflict` 409, opened by someone else; `rejected` 4xx;
 * `unknown`: no answer before the deadline (the record may or may not exist).
 */
export type OpeningOutcome = 'created' | 'existing' | 'conflict' | 'rejected' | 'unknown';

export interface OpeningEntry {
  /** Position in the ledger's openings (stable for a seed and scale). */
  seq: number;
  ins: string;
  intent: OpeningIntent;
  channel: OpeningChannel;
  actor: LedgerActor;
  /** The patient's own CPAM office (coverage is counted there). */
  cpamCode: string;
  /** The pharmacy's FINESS for pharmacy openings (paid per opening). */
  pharmacyFiness?: string;
  /** Set for a dependant (a minor): their legal representative's INS. */
  representativeIns?: string;
  birthDate: string;
  outcome: OpeningOutcome;
  /** HTTP status of the final answer (0 when there was none). */
  status: number;
  recordId?: string;
  /** Error code and reasons when refused (`RECORD_ALREADY_EXISTS`, `ins: INS key...`). */
  reason?: string;
  /** Requests made (1 unless the suite was down); for a campaign row, the jobs that carried it. */
  attempts: number;
  /** Set when the row was opened through a campaign (bulk job) rather than `POST /records`. */
  bulkJobId?: string;
  at: string;
}

export interface DependantEntry {
  ins: string;
  representativeIns: string;
  relationship: 'parent' | 'guardian' | 'other';
}

/** `accepted` stored (by this send, or by an earlier attempt of ours: answered `duplicate` on a retry); `duplicate` of a deliberately re-sent document; `not-sent`: no public way in. */
export type DocumentOutcome = 'accepted' | 'duplicate' | 'rejected' | 'unknown' | 'not-sent';

/** `resend`: the same id and body again (must be answered `duplicate`); `invalid`: a deliberate defect (must be `rejected`). */
export type DocumentIntent = 'normal' | 'resend' | 'invalid';

export interface DocumentEntry {
  seq: number;
  documentId: string;
  ins: string;
  intent: DocumentIntent;
  /** The source as the insurer's figures split them (seed 000's mix). */
  sourceCategory: SourceCategory;
  /** `none` when the suite has no public way in for that source (see `reason`). */
  way: 'kafka' | 'http' | 'none';
  submissionId?: string;
  /** The role documents saw adding it (`establishment`, `professional`, `patient`, `legal-representative`). */
  addedByRole?: string;
  establishmentFiness?: string;
  authorRpps?: string;
  type: DocumentType;
  format: DocumentFormat;
  sha256: string;
  sizeBytes: number;
  maskedFromProfessionals: boolean;
  invisibleToPatientUntilExplained: boolean;
  outcome: DocumentOutcome;
  /** Every per-document answer received, in order (`parked` then `accepted`, `accepted` then `duplicate` after a retry...). */
  answers: string[];
  reason?: string;
  attempts: number;
  at: string;
}

export interface BackfillRequestEntry {
  requestId: string;
  ins: string;
  from: string;
  to: string;
  trigger: string;
  /** The file that answered it (absent when none did before the end of the run). */
  fileId?: string;
}

/** Lines of one patient in one file. */
export interface FeedPatientLines {
  ins: string;
  lines: number;
  /** Lines dated in the window (the current month and the 24 before it). */
  inWindow: number;
  /** True when this patient's record was opened (created or existing) by the simulation. */
  openRecord: boolean;
}

export type FeedFileOutcome = 'completed' | 'refused' | 'unknown';

export interface FeedFileEntry {
  seq: number;
  fileId: string;
  kind: 'backfill' | 'delta';
  way: FeedDelivery;
  sha256: string;
  lines: number;
  /** Lines that must end up stored: in the window and of an open record. */
  expectedStored: number;
  /** Lines dated before the window (counted, not stored). */
  expectedOutOfWindow: number;
  /** Lines of patients without a record (counted, not stored). */
  expectedUnknownPatient: number;
  patients: FeedPatientLines[];
  /** Backfill requests this file answers. */
  requestIds: string[];
  outcome: FeedFileOutcome;
  /** The import's counts as the service reported them (GET /imports/files/:fileId). */
  counts?: Record<string, number>;
  reason?: string;
  attempts: number;
  at: string;
}

export interface AuthorisationEntry {
  seq: number;
  ins: string;
  /** The patient (or legal representative) who authorised. */
  by: LedgerActor;
  grantee: { kind: 'professional'; rpps: string } | { kind: 'establishment'; finess: string };
  outcome: 'authorised' | 'rejected' | 'unknown';
  status: number;
  reason?: string;
  attempts: number;
  at: string;
}

/**
 * A patient's notification preferences (`PUT consent /patients/:ins/consent/notification-preferences`):
 * about one patient in five asks to be told of every new document (seed 003's "alertes").
 */
export interface PreferenceEntry {
  ins: string;
  by: LedgerActor;
  notifyOnNewDocument: boolean;
  outcome: 'set' | 'rejected' | 'unknown';
  status: number;
  reason?: string;
  attempts: number;
  at: string;
}

export type ConsultationTarget = 'documents-list' | 'document' | 'reimbursements';

export interface ConsultationEntry {
  seq: number;
  ins: string;
  rpps: string;
  profession: Profession;
  mode: 'normal' | 'emergency';
  /** The reason given in emergency mode. */
  emergencyReason?: string;
  target: ConsultationTarget;
  documentId?: string;
  outcome: 'granted' | 'refused' | 'unknown';
  status: number;
  /** Rule reasons of a refusal. */
  reason?: string;
  /** Granted, and the first granted access of this professional to this patient in the run: the patient must be notified once. */
  firstAccess: boolean;
  /** Access events this read must have produced (one per document considered by a list; one for an empty list, a fetch, a history read). */
  traceEntries: number;
  attempts: number;
  at: string;
}

export interface LedgerTotals {
  openings: Record<OpeningOutcome, number>;
  openingsByChannel: Record<string, number>;
  dependants: number;
  documents: Record<DocumentOutcome, number>;
  documentsBySource: Record<string, number>;
  documentsByWay: Record<string, number>;
  feedFiles: Record<FeedFileOutcome, number>;
  feedLines: number;
  feedLinesExpectedStored: number;
  backfillRequests: number;
  backfillRequestsAnswered: number;
  authorisations: Record<AuthorisationEntry['outcome'], number>;
  consultations: Record<ConsultationEntry['outcome'], number>;
  consultationsByMode: Record<string, number>;
  firstAccesses: number;
  traceEntries: number;
  retries: number;
}

export interface SimulationLedger {
  /** Format of this object; raised on a breaking change. */
  version: 1;
  seed: number;
  scale: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** True when the run was stopped by its signal before the end. */
  aborted: boolean;
  endpoints: ServiceEndpoints;
  kafkaBrokers: string[];
  population: SimPopulation;
  openings: OpeningEntry[];
  dependants: DependantEntry[];
  documents: DocumentEntry[];
  backfillRequests: BackfillRequestEntry[];
  feedFiles: FeedFileEntry[];
  authorisations: AuthorisationEntry[];
  /** Notification preferences set before the documents were sent (absent in ledgers of older runs). */
  preferences?: PreferenceEntry[];
  consultations: ConsultationEntry[];
  totals: LedgerTotals;
  /** Wall-clock time spent in each phase (a phase entered twice adds up). */
  phaseDurationsMs?: Partial<Record<SimulationPhase, number>>;
  /** Answers that look like bugs of the suite (a 500, an answer that contradicts an earlier one), one line each. */
  anomalies: string[];
}
