import { basename } from 'node:path';
import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import {
  createEvent,
  FileImportedEvent,
  FileImportedPayload,
  FileImportStatus,
} from '@dmp/contracts';
import { ReimbursementFileKind } from '@dmp/domain';
import { appendToOutbox } from '@dmp/messaging';
import {
  addMonthsToYyyymm,
  careWindow,
  CareWindow,
  WINDOW_MONTHS,
  windowMonths,
} from '../feed/care-window';
import { LINE_ACCEPTED, LINE_OUT_OF_WINDOW, LineValidator } from '../feed/line-validator';
import {
  partitionName,
  ensurePartitions,
  LINES_TABLE,
  PARTITION_MONTHS,
  quarterOf,
} from './partitions';
import { FeedVerification, readFeedContent, verifyFeedFile } from './feed-source';

export enum ImportSource {
  DROP_FOLDER = 'drop-folder',
  UPLOAD = 'upload',
  ANNOUNCEMENT = 'announcement',
  CLI = 'cli',
}

export interface ImportRequest {
  path: string;
  source: ImportSource;
  /** sha256 of the file as delivered (sidecar, announcement, upload header). Required: a file without one is refused. */
  expectedSha256: string | null;
  /** Line count announced outside the file (Kafka announcement); the header's count is always checked. */
  expectedLines?: number;
  /** File id announced outside the file; must match the header's. */
  expectedFileId?: string;
  correlationId?: string;
}

export interface ImportCounts {
  read: number;
  imported: number;
  duplicates: number;
  rejected: number;
  unknownPatient: number;
  outOfWindow: number;
}

export type ImportOutcome = 'completed' | 'refused' | 'already-imported';

export interface ImportSummary {
  fileId: string;
  outcome: ImportOutcome;
  refusalReason?: string;
  counts: ImportCounts;
  declaredLines: number;
  seconds: number;
  linesPerSecond: number;
  resumedFromLine: number;
  /** Where the time went (ms, summed over batches; parallel batches overlap): for tuning. */
  timings?: ImportTimings;
}

export interface ImportTimings {
  verifyMs: number;
  parseMs: number;
  patientCheckMs: number;
  duplicateCheckMs: number;
  copyMs: number;
  commitMs: number;
}

export interface ImportProgress {
  fileId: string;
  linesDone: number;
  totalLines: number;
  linesPerSecond: number;
  etaSeconds: number | null;
}

export interface ImporterSettings {
  serviceName: string;
  /** Lines per batch: one transaction, one checkpoint. */
  batchLines: number;
  /** Batches loaded at the same time, each on its own connection. */
  connections: number;
  /** Rejected lines kept with their reason per batch (all are counted). */
  rejectsKeptPerBatch: number;
}

export const DEFAULT_IMPORTER_SETTINGS: ImporterSettings = {
  serviceName: 'reimbursements',
  batchLines: 50_000,
  connections: 2,
  rejectsKeptPerBatch: 1_000,
};

const NEWLINE = Buffer.from('\n');
const LF = 0x0a;
const CR = 0x0d;

/**
 * Lines of one batch on their way to the database: byte ranges of the chunks read, never copies,
 * in typed arrays sized once per batch (at 150,000 lines a second, seven growing arrays of boxed
 * values per batch showed in the importer's CPU profile as pushes and garbage collection).
 */
class Batch {
  lines = 0;
  rejected = 0;
  outOfWindow = 0;
  endOffset = 0;
  readonly rejects: { lineNo: number; reason: string }[] = [];
  /** Candidates: valid lines in the window, waiting for the patient and duplicate checks. */
  count = 0;
  /** The chunks the candidates lie in (a few per batch), and each candidate's chunk. */
  readonly chunks: Buffer[] = [];
  readonly chunkOf: Int32Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly ids: Float64Array;
  /** The care month as its index in the window (0 = the window's first month). */
  readonly monthSlots: Uint8Array;
  /** Line number of each candidate, as its distance from the batch's first line. */
  readonly lineOffsets: Int32Array;
  /**
   * The patients, one entry per run of consecutive lines of the same INS (files list a
   * patient's lines together), so the open-record check is one Set lookup per run, not per line.
   */
  readonly insRuns: string[] = [];
  readonly insRunOf: Int32Array;
  /** Index of each run's first candidate (runs are consecutive candidates). */
  readonly runStarts: number[] = [];

  constructor(
    readonly batchNo: number,
    readonly firstLine: number,
    /** YYYYMM of month slot 0: the window's first month. */
    readonly firstMonth: number,
    capacity: number,
  ) {
    this.chunkOf = new Int32Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.ids = new Float64Array(capacity);
    this.monthSlots = new Uint8Array(capacity);
    this.lineOffsets = new Int32Array(capacity);
    this.insRunOf = new Int32Array(capacity);
  }

  add(
    buf: Buffer,
    start: number,
    end: number,
    id: number,
    slot: number,
    ins: string,
    lineNo: number,
  ): void {
    const i = this.count++;
    const chunks = this.chunks;
    if (chunks.length === 0 || chunks[chunks.length - 1] !== buf) chunks.push(buf);
    this.chunkOf[i] = chunks.length - 1;
    this.starts[i] = start;
    this.ends[i] = end;
    this.ids[i] = id;
    this.monthSlots[i] = slot;
    this.lineOffsets[i] = lineNo - this.firstLine;
    const runs = this.insRuns;
    if (runs.length === 0 || runs[runs.length - 1] !== ins) {
      runs.push(ins);
      this.runStarts.push(i);
    }
    this.insRunOf[i] = runs.length - 1;
  }
}

/**
 * Keeps the first copy of each line id among the kept lines (keep[i] = 1) and returns how many
 * later copies it dropped. Only for batches whose ids are not in increasing order per month.
 */
function dropRepeatedIds(batch: Batch, keep: Uint8Array): number {
  const seen = new Set<number>();
  let dropped = 0;
  for (let i = 0; i < batch.count; i++) {
    if (keep[i] === 0) continue;
    const id = batch.ids[i];
    if (seen.has(id)) {
      keep[i] = 0;
      dropped++;
    } else {
      seen.add(id);
    }
  }
  return dropped;
}

/** Index of a YYYYMM month on a continuous scale (months since year 0). */
function monthIndex(yyyymm: number): number {
  return Math.floor(yyyymm / 100) * 12 + (yyyymm % 100) - 1;
}

interface BatchResult {
  inserted: number;
  duplicates: number;
  unknownPatient: number;
  /** Lines whose id is stored for another patient: rejected. */
  conflicts: { lineNo: number; reason: string }[];
  /** Per month, the smallest and largest id of the lines this batch stores. */
  ranges: { month: number; min: number; max: number }[];
}

interface BatchScan {
  keep: Uint8Array;
  kept: number;
  duplicates: number;
  unknownPatient: number;
  perMonth: Int32Array;
  minId: Float64Array;
  maxId: Float64Array;
  /** Month slots whose id range overlaps ids already stored. */
  overlapping: number[];
  /** Among them, those that overlap few stored ranges: probed by id through the BRIN index. */
  byId: Set<number>;
}

/**
 * The kept lines' indexes sorted by (partition, INS), a patient's lines of a partition (a
 * quarter) in the file's order: the batch's patients (runs) sorted by INS, then a counting sort
 * by partition that walks the runs in that order. No comparison per line. Each partition's
 * (ins, line_id) index takes the batch's keys in one ascending run, and a patient's lines of a
 * quarter land side by side in the heap: a history read fetches one or two pages per quarter
 * instead of one per line.
 */
function copyOrder(batch: Batch, keep: Uint8Array, months: number): Int32Array {
  // Month slot -> partition slot (0 = the quarter of the batch's first month).
  const firstQuarter = monthIndex(quarterOf(batch.firstMonth));
  const first = monthIndex(batch.firstMonth);
  const partitionOfSlot = new Uint8Array(months);
  for (let m = 0; m < months; m++)
    partitionOfSlot[m] = Math.floor((first + m - firstQuarter) / PARTITION_MONTHS);
  const slots = months === 0 ? 0 : partitionOfSlot[months - 1] + 1;
  const runs = batch.insRuns;
  const runCount = runs.length;
  const byIns = new Int32Array(runCount);
  for (let r = 0; r < runCount; r++) byIns[r] = r;
  byIns.sort((a, b) => (runs[a] < runs[b] ? -1 : runs[a] > runs[b] ? 1 : a - b));
  const count = batch.count;
  const slotOf = batch.monthSlots;
  const next = new Int32Array(slots + 1);
  for (let i = 0; i < count; i++) if (keep[i] === 1) next[partitionOfSlot[slotOf[i]] + 1]++;
  for (let slot = 1; slot <= slots; slot++) next[slot] += next[slot - 1];
  const order = new Int32Array(next[slots]);
  const starts = batch.runStarts;
  for (let k = 0; k < runCount; k++) {
    const r = byIns[k];
    const end = r + 1 < runCount ? starts[r + 1] : count;
    for (let i = starts[r]; i < end; i++)
      if (keep[i] === 1) order[next[partitionOfSlot[slotOf[i]]]++] = i;
  }
  return order;
}

class UniqueViolation extends Error {}

/** A month overlapping at most this many stored batch ranges is probed by id (BRIN). */
const BY_ID_MAX_RANGES = 8;

/** Another process holds this file's import; the queue retries later. */
export class FileBusyError extends Error {
  constructor(readonly fileId: string) {
    super(`file ${fileId} is being imported by another process`);
    this.name = FileBusyError.name;
  }
}

// Advisory lock namespace of file imports (pg_try_advisory_lock(namespace, hashtext(file_id))).
const FILE_LOCK_NAMESPACE = 61_474;

interface Worker {
  client: PoolClient;
  release: () => void;
}

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: string }).code === '23505'
  );
}

/**
 * Imports one feed file: verify (checksum, line count, header) before writing anything, then
 * stream it in batches. Each batch is one transaction that COPYs the accepted lines into the
 * monthly partitions and records the batch as a checkpoint (byte offset, line numbers, counts),
 * so a crash at any point resumes after the last committed batch with nothing lost or doubled.
 * Batch boundaries are fixed by line number (batch k = data lines k*B+1 .. (k+1)*B), which lets
 * several batches load in parallel and still resume exactly.
 */
export class FeedImporter {
  private readonly settings: ImporterSettings;
  private timings: ImportTimings = {
    verifyMs: 0,
    parseMs: 0,
    patientCheckMs: 0,
    duplicateCheckMs: 0,
    copyMs: 0,
    commitMs: 0,
  };

  constructor(
    private readonly dataSource: DataSource,
    settings: Partial<ImporterSettings> = {},
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.settings = { ...DEFAULT_IMPORTER_SETTINGS, ...settings };
  }

  async import(
    request: ImportRequest,
    onProgress?: (progress: ImportProgress) => void,
  ): Promise<ImportSummary> {
    const started = Date.now();
    this.timings = {
      verifyMs: 0,
      parseMs: 0,
      patientCheckMs: 0,
      duplicateCheckMs: 0,
      copyMs: 0,
      commitMs: 0,
    };
    const verification = await verifyFeedFile(request.path);
    this.timings.verifyMs = Date.now() - started;
    const header = verification.header;
    const fileId = header?.fileId ?? request.expectedFileId ?? basename(request.path).slice(0, 100);
    // One importer per file at a time (instances, the CLI): the others wait for their turn in
    // the queue. A session advisory lock on a connection held for the whole import.
    const lock = this.dataSource.createQueryRunner();
    await lock.connect();
    try {
      const [{ locked }] = (await lock.query(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
        [FILE_LOCK_NAMESPACE, fileId],
      )) as { locked: boolean }[];
      if (!locked) throw new FileBusyError(fileId);
      try {
        return await this.importLocked(request, fileId, verification, started, onProgress);
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1, hashtext($2))', [
          FILE_LOCK_NAMESPACE,
          fileId,
        ]);
      }
    } finally {
      await lock.release();
    }
  }

  private async importLocked(
    request: ImportRequest,
    fileId: string,
    verification: FeedVerification,
    started: number,
    onProgress?: (progress: ImportProgress) => void,
  ): Promise<ImportSummary> {
    const header = verification.header;
    const existing = await this.findFile(fileId);
    if (existing?.status === 'completed' && existing.sha256 === verification.sha256) {
      return {
        ...this.summaryOf(existing, 'already-imported'),
        seconds: (Date.now() - started) / 1000,
        linesPerSecond: 0,
        resumedFromLine: 0,
      };
    }

    const refusal = this.refusalReason(request, verification, existing);
    if (refusal !== null) {
      await this.refuse(
        fileId,
        header?.kind ?? ReimbursementFileKind.DELTA,
        request,
        verification.sha256,
        refusal,
        header?.lines ?? verification.dataLines,
      );
      return {
        fileId,
        outcome: 'refused',
        refusalReason: refusal,
        counts: emptyCounts(),
        declaredLines: header?.lines ?? 0,
        seconds: (Date.now() - started) / 1000,
        linesPerSecond: 0,
        resumedFromLine: 0,
      };
    }
    if (header === null) throw new Error('unreachable: a file without header is refused');

    const window = careWindow(this.clock());
    const batchLines =
      existing?.status === 'importing' ? existing.batch_lines : this.settings.batchLines;
    await this.dataSource.query(
      `INSERT INTO reimbursement_files (file_id, kind, period_start, period_end, declared_lines, sha256, size_bytes, location, source, status, batch_lines, started_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'importing', $10, now(), now())
       ON CONFLICT (file_id) DO UPDATE SET status = 'importing', refusal_reason = NULL, sha256 = EXCLUDED.sha256, size_bytes = EXCLUDED.size_bytes,
         location = EXCLUDED.location, source = EXCLUDED.source, declared_lines = EXCLUDED.declared_lines, updated_at = now(),
         batch_lines = CASE WHEN reimbursement_files.status = 'importing' THEN reimbursement_files.batch_lines ELSE EXCLUDED.batch_lines END,
         started_at = CASE WHEN reimbursement_files.status = 'importing' THEN reimbursement_files.started_at ELSE now() END`,
      [
        fileId,
        header.kind,
        header.periodStart,
        header.periodEnd,
        header.lines,
        verification.sha256,
        verification.sizeBytes,
        request.path,
        request.source,
        batchLines,
      ],
    );
    if (existing && (existing.status !== 'importing' || existing.sha256 !== verification.sha256)) {
      // A refused file delivered again, or a file whose content changed since an interrupted
      // import: start over, forgetting old checkpoints (lines already stored count as duplicates).
      await this.dataSource.query('DELETE FROM reimbursement_import_batches WHERE file_id = $1', [
        fileId,
      ]);
      await this.dataSource.query('DELETE FROM reimbursement_import_rejects WHERE file_id = $1', [
        fileId,
      ]);
    }
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await ensurePartitions(runner, windowMonths(window));
    } finally {
      await runner.release();
    }

    const committed = await this.committedBatches(fileId);
    let resumeBatch = 0;
    while (committed.has(resumeBatch)) resumeBatch++;
    const resumeOffset =
      resumeBatch === 0 ? verification.dataOffset : (committed.get(resumeBatch - 1) as number);
    const resumedFromLine = resumeBatch * batchLines;

    const progress = new ProgressTracker(
      fileId,
      header.lines,
      await this.linesDone(fileId),
      onProgress,
    );
    await this.load(
      fileId,
      request.path,
      resumeOffset,
      resumeBatch,
      batchLines,
      new Set(committed.keys()),
      window,
      progress,
    );

    const summary = await this.complete(fileId, header.kind, request.correlationId);
    const seconds = (Date.now() - started) / 1000;
    this.timings.parseMs = Math.round(this.timings.parseMs);
    return {
      ...summary,
      seconds,
      linesPerSecond: seconds > 0 ? (summary.counts.read - resumedFromLine) / seconds : 0,
      resumedFromLine,
      timings: this.timings,
    };
  }

  private refusalReason(
    request: ImportRequest,
    verification: Awaited<ReturnType<typeof verifyFeedFile>>,
    existing: FileRow | null,
  ): string | null {
    if (verification.headerError !== null || verification.header === null)
      return `unreadable header: ${verification.headerError ?? 'missing'}`;
    const header = verification.header;
    if (!request.expectedSha256)
      return 'no sha256 was delivered with the file (sidecar .sha256, announcement or upload header)';
    if (request.expectedSha256.toLowerCase() !== verification.sha256) {
      return `sha256 mismatch: expected ${request.expectedSha256.toLowerCase()}, the file has ${verification.sha256}`;
    }
    if (header.lines !== verification.dataLines)
      return `line count mismatch: the header says ${header.lines}, the file has ${verification.dataLines}`;
    if (request.expectedLines !== undefined && request.expectedLines !== verification.dataLines) {
      return `line count mismatch: ${request.expectedLines} announced, the file has ${verification.dataLines}`;
    }
    if (request.expectedFileId !== undefined && request.expectedFileId !== header.fileId) {
      return `file id mismatch: ${request.expectedFileId} announced, the header says ${header.fileId}`;
    }
    if (existing?.status === 'completed')
      return `file ${header.fileId} was already imported with another content (sha256 ${existing.sha256})`;
    return null;
  }

  private async load(
    fileId: string,
    path: string,
    startOffset: number,
    startBatch: number,
    batchLines: number,
    committed: Set<number>,
    window: CareWindow,
    progress: ProgressTracker,
  ): Promise<void> {
    const validator = new LineValidator(window);
    const firstMonth = monthIndex(window.startMonth);
    const workers = await this.openWorkers();
    const idle = workers.map((w) => w.client);
    const inflight = new Set<Promise<void>>();
    let failure: unknown = null;

    const dispatch = async (batch: Batch) => {
      if (committed.has(batch.batchNo)) return;
      while (idle.length === 0) await Promise.race(inflight);
      if (failure !== null) throw failure;
      const client = idle.pop() as PoolClient;
      const job = this.loadBatch(client, fileId, batch)
        .then(() => progress.batchDone(batch.lines))
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => {
          idle.push(client);
          inflight.delete(job);
        });
      inflight.add(job);
    };

    try {
      let batchNo = startBatch;
      let lineNo = startBatch * batchLines;
      // A batch already committed (resume) is only counted through: no room for candidates.
      const newBatch = (no: number, firstLine: number) =>
        new Batch(no, firstLine, window.startMonth, committed.has(no) ? 0 : batchLines);
      let batch = newBatch(batchNo, lineNo + 1);
      let carry: Buffer | null = null;
      let carryOffset = startOffset; // content offset of carry[0] (or of the next chunk)
      for await (const chunk of readFeedContent(path, startOffset)) {
        const buf: Buffer = carry && carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        const base = carryOffset;
        let parseStarted = performance.now();
        let pos = 0;
        for (;;) {
          const nl = buf.indexOf(LF, pos);
          if (nl < 0) break;
          lineNo++;
          if (!committed.has(batchNo))
            this.classify(validator, batch, buf, pos, nl, lineNo, firstMonth);
          batch.lines++;
          batch.endOffset = base + nl + 1;
          pos = nl + 1;
          if (batch.lines === batchLines) {
            this.timings.parseMs += performance.now() - parseStarted;
            await dispatch(batch);
            parseStarted = performance.now();
            batchNo++;
            batch = newBatch(batchNo, lineNo + 1);
          }
        }
        carry = buf.subarray(pos);
        carryOffset = base + pos;
        this.timings.parseMs += performance.now() - parseStarted;
      }
      if (carry && carry.length > 0) {
        // A last line without its line break.
        const tail = Buffer.concat([carry, NEWLINE]);
        lineNo++;
        if (!committed.has(batchNo))
          this.classify(validator, batch, tail, 0, tail.length - 1, lineNo, firstMonth);
        batch.lines++;
        batch.endOffset = carryOffset + carry.length;
      }
      if (batch.lines > 0) await dispatch(batch);
      await Promise.all(inflight);
      if (failure !== null) throw failure;
    } finally {
      await Promise.allSettled(inflight);
      for (const worker of workers) worker.release();
    }
  }

  /** Validates one line (bytes [start, nl) of buf) and files it in the batch. */
  private classify(
    validator: LineValidator,
    batch: Batch,
    buf: Buffer,
    start: number,
    nl: number,
    lineNo: number,
    firstMonth: number,
  ): void {
    const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    const outcome = end === start ? -1 : validator.check(buf, start, end);
    if (outcome === LINE_ACCEPTED) {
      batch.add(
        buf,
        start,
        end,
        validator.lineId,
        // In the window (checked by the validator): 0 .. WINDOW_MONTHS.
        monthIndex(validator.month) - firstMonth,
        validator.ins,
        lineNo,
      );
    } else if (outcome === LINE_OUT_OF_WINDOW) {
      batch.outOfWindow++;
    } else {
      batch.rejected++;
      if (batch.rejects.length < this.settings.rejectsKeptPerBatch) {
        batch.rejects.push({
          lineNo,
          reason: outcome === -1 ? 'the line is empty' : validator.reason,
        });
      }
    }
  }

  /** Dedicated connections from TypeORM's pool: COPY needs the raw pg client. */
  private async openWorkers(): Promise<Worker[]> {
    const driver = this.dataSource.driver as unknown as {
      obtainMasterConnection(): Promise<[PoolClient, () => void]>;
    };
    const workers: Worker[] = [];
    for (let i = 0; i < this.settings.connections; i++) {
      const [client, release] = await driver.obtainMasterConnection();
      workers.push({ client, release });
    }
    return workers;
  }

  private async loadBatch(client: PoolClient, fileId: string, batch: Batch): Promise<void> {
    try {
      await this.loadBatchOnce(client, fileId, batch, await this.scanBatch(client, batch), false);
    } catch (error) {
      if (!(error instanceof UniqueViolation)) throw error;
      // Another importer committed some of these lines between our check and our COPY
      // (overlapping files loaded at the same time): check again, then go through ON CONFLICT.
      await this.loadBatchOnce(client, fileId, batch, await this.scanBatch(client, batch), true);
    }
  }

  private async loadBatchOnce(
    client: PoolClient,
    fileId: string,
    batch: Batch,
    scan: BatchScan,
    viaConflict: boolean,
  ): Promise<void> {
    await client.query('BEGIN');
    try {
      // Safe: the rows and their checkpoint commit in this one transaction. If the server
      // crashes before the WAL reaches disk, both are lost together and the import resumes
      // from the previous checkpoint; nothing can be counted without its rows or vice versa.
      await client.query('SET LOCAL synchronous_commit = off');
      const result = await this.writeRows(client, batch, scan, viaConflict);
      const rejects =
        result.conflicts.length === 0 ? batch.rejects : [...batch.rejects, ...result.conflicts];
      await client.query(
        `INSERT INTO reimbursement_import_batches (file_id, batch_no, first_line, line_count, end_offset, imported, duplicates, rejected, unknown_patient, out_of_window, committed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())`,
        [
          fileId,
          batch.batchNo,
          batch.firstLine,
          batch.lines,
          batch.endOffset,
          result.inserted,
          result.duplicates,
          batch.rejected + result.conflicts.length,
          result.unknownPatient,
          batch.outOfWindow,
        ],
      );
      if (result.ranges.length > 0) {
        await client.query(
          `INSERT INTO reimbursement_line_ranges (month, min_id, max_id, file_id, batch_no)
           SELECT m, lo, hi, $4, $5 FROM unnest($1::int[], $2::bigint[], $3::bigint[]) AS r(m, lo, hi)`,
          [
            result.ranges.map((r) => r.month),
            result.ranges.map((r) => r.min),
            result.ranges.map((r) => r.max),
            fileId,
            batch.batchNo,
          ],
        );
      }
      if (rejects.length > 0) {
        await client.query(
          `INSERT INTO reimbursement_import_rejects (file_id, line_no, reason)
           SELECT $1, * FROM unnest($2::bigint[], $3::text[])`,
          [fileId, rejects.map((r) => r.lineNo), rejects.map((r) => r.reason)],
        );
      }
      const commitStarted = Date.now();
      await client.query('COMMIT');
      this.timings.commitMs += Date.now() - commitStarted;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isUniqueViolation(error) && !viaConflict) throw new UniqueViolation();
      throw error;
    }
  }

  /**
   * Before the batch's transaction: which lines to keep (patients with an open DMP, first copy
   * of an id within the batch), the id range of the kept lines per month, and the months whose
   * range overlaps ids already stored.
   */
  private async scanBatch(client: PoolClient, batch: Batch): Promise<BatchScan> {
    const count = batch.count;
    const slots = WINDOW_MONTHS + 1;
    const keep = new Uint8Array(count);
    const minId = new Float64Array(slots);
    const maxId = new Float64Array(slots);
    const perMonth = new Int32Array(slots);
    if (count === 0)
      return {
        keep,
        kept: 0,
        duplicates: 0,
        unknownPatient: 0,
        perMonth,
        minId,
        maxId,
        overlapping: [],
        byId: new Set<number>(),
      };

    // 1. Patients with an open DMP (the local read model of enrolment events).
    let phase = Date.now();
    const runs = batch.insRuns;
    const openRows = await client.query<{ ins: string }>(
      'SELECT ins FROM reimbursement_open_records WHERE ins = ANY($1::text[]) AND is_open',
      [[...new Set(runs)]],
    );
    const open = new Set(openRows.rows.map((r) => r.ins));
    const runOpen = new Uint8Array(runs.length);
    for (let r = 0; r < runs.length; r++) runOpen[r] = open.has(runs[r]) ? 1 : 0;
    this.timings.patientCheckMs += Date.now() - phase;
    phase = Date.now();

    // The lines of open records, and per month the range of their ids. Files list each month's
    // ids in increasing order (the insurer's sequence): then no id can repeat within the batch
    // and the ranges are the first and last ids, found without a map or a sort.
    let unknownPatient = 0;
    let kept = 0;
    let ordered = true;
    for (let i = 0; i < count; i++) {
      if (runOpen[batch.insRunOf[i]] === 0) {
        unknownPatient++;
        continue;
      }
      keep[i] = 1;
      kept++;
      const slot = batch.monthSlots[i];
      const id = batch.ids[i];
      if (perMonth[slot] === 0) {
        minId[slot] = id;
        maxId[slot] = id;
      } else if (id > maxId[slot]) {
        maxId[slot] = id;
      } else {
        ordered = false;
        if (id < minId[slot]) minId[slot] = id;
      }
      perMonth[slot]++;
    }
    // Otherwise (a file not in id order, the same line twice in the batch): the first copy of
    // each id is kept.
    const duplicates = ordered ? 0 : dropRepeatedIds(batch, keep);
    const overlapping = await this.overlappingSlots(
      client,
      batch.firstMonth,
      perMonth,
      minId,
      maxId,
    );
    const byId = new Set(
      overlapping.filter((o) => o.ranges <= BY_ID_MAX_RANGES).map((o) => o.slot),
    );
    if (byId.size > 0) await this.summariseIdIndexes(client, batch.firstMonth, [...byId]);
    this.timings.duplicateCheckMs += Date.now() - phase;
    return {
      keep,
      kept: kept - duplicates,
      duplicates,
      unknownPatient,
      perMonth,
      minId,
      maxId,
      overlapping: overlapping.map((o) => o.slot),
      byId,
    };
  }

  /**
   * Months (slots) of the batch whose id range [min, max] of kept lines overlaps a range of ids
   * already stored (reimbursement_line_ranges, one row per committed batch and month). Daily
   * deltas and first backfills carry ids beyond everything stored: no month overlaps, and no
   * line needs a probe. Also says how many stored ranges each month overlaps, up to
   * BY_ID_MAX_RANGES + 1.
   */
  private async overlappingSlots(
    client: PoolClient,
    firstMonth: number,
    perMonth: Int32Array,
    minId: Float64Array,
    maxId: Float64Array,
  ): Promise<{ slot: number; ranges: number }[]> {
    const slots: number[] = [];
    const months: number[] = [];
    const lows: number[] = [];
    const highs: number[] = [];
    for (let slot = 0; slot < perMonth.length; slot++) {
      if (perMonth[slot] === 0) continue;
      slots.push(slot);
      months.push(addMonthsToYyyymm(firstMonth, slot));
      lows.push(minId[slot]);
      highs.push(maxId[slot]);
    }
    if (slots.length === 0) return [];
    const rows = await client.query<{ slot: number; ranges: string }>(
      `SELECT s.slot, o.ranges FROM unnest($1::int[], $2::int[], $3::bigint[], $4::bigint[]) AS s(slot, month, lo, hi)
         CROSS JOIN LATERAL (SELECT count(*) AS ranges FROM (SELECT 1 FROM reimbursement_line_ranges r
                               WHERE r.month = s.month AND r.max_id >= s.lo AND r.min_id <= s.hi LIMIT $5) x) o
        WHERE o.ranges > 0`,
      [slots, months, lows, highs, BY_ID_MAX_RANGES + 1],
    );
    return rows.rows.map((r) => ({ slot: Number(r.slot), ranges: Number(r.ranges) }));
  }

  /**
   * Summarises the BRIN ranges not summarised yet (outside any transaction: the function locks
   * the partition until commit), so a by-id probe reads only the pages that can hold its ids.
   */
  private async summariseIdIndexes(
    client: PoolClient,
    firstMonth: number,
    slots: number[],
  ): Promise<void> {
    await client.query(
      `SELECT brin_summarize_new_values(i.indexrelid)
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
        WHERE a.amname = 'brin' AND i.indrelid = ANY($1::regclass[])`,
      // A partition holds three months: each once.
      [[...new Set(slots.map((slot) => partitionName(addMonthsToYyyymm(firstMonth, slot))))]],
    );
  }

  private async writeRows(
    client: PoolClient,
    batch: Batch,
    scan: BatchScan,
    viaConflict: boolean,
  ): Promise<BatchResult> {
    const count = batch.count;
    const keep = scan.keep.slice();
    const conflicts: { lineNo: number; reason: string }[] = [];
    let duplicates = scan.duplicates;
    if (count === 0 || scan.kept === 0)
      return {
        inserted: 0,
        duplicates,
        unknownPatient: scan.unknownPatient,
        conflicts,
        ranges: [],
      };
    let phase = Date.now();

    // 2. Line ids already stored, only in the months whose id range overlaps stored ids, with
    // the INS each was stored under. Same INS: a duplicate, skipped. Another INS: the insurer
    // reused a line id for another patient, which feed format v1 rules out: the line is
    // rejected with its number. Months overlapping few stored ranges (the same file again,
    // overlapping deliveries) look the ids up by value through the BRIN index, which reads only
    // the pages of those few batches and finds an id whoever it was stored for. Months whose
    // ids interleave with many stored batches (backfills of patients whose ids the insurer
    // spread over the month) would make that read most of the partition: they probe the
    // (ins, line_id) key with the batch's patients and ids, which finds every duplicate but a
    // reused id only when its first patient is in the batch too.
    if (scan.overlapping.length > 0) {
      const wanted = new Uint8Array(scan.perMonth.length);
      for (const slot of scan.overlapping) wanted[slot] = 1;
      const indexOfId = new Map<number, number>();
      const idsBySlot = new Map<number, number[]>();
      for (let i = 0; i < count; i++) {
        const slot = batch.monthSlots[i];
        if (keep[i] === 0 || wanted[slot] === 0) continue;
        indexOfId.set(batch.ids[i], i);
        let list = idsBySlot.get(slot);
        if (!list) idsBySlot.set(slot, (list = []));
        list.push(batch.ids[i]);
      }
      const params: unknown[] = [];
      const selects: string[] = [];
      for (const [slot, ids] of idsBySlot) {
        const partition = partitionName(addMonthsToYyyymm(batch.firstMonth, slot));
        if (scan.byId.has(slot)) {
          params.push(scan.minId[slot], scan.maxId[slot], ids);
          const n = params.length;
          selects.push(
            `SELECT line_id, ins FROM ${partition} WHERE line_id BETWEEN $${n - 2} AND $${n - 1} AND line_id = ANY($${n}::bigint[])`,
          );
        } else {
          params.push(batch.insRuns, ids);
          const n = params.length;
          selects.push(
            `SELECT line_id, ins FROM ${partition} WHERE ins = ANY($${n - 1}::text[]) AND line_id = ANY($${n}::bigint[])`,
          );
        }
      }
      const existing = await client.query<{ line_id: string; ins: string }>(
        selects.join(' UNION ALL '),
        params,
      );
      for (const row of existing.rows) {
        const index = indexOfId.get(Number(row.line_id));
        if (index === undefined || keep[index] === 0) continue;
        keep[index] = 0;
        if (batch.insRuns[batch.insRunOf[index]] === row.ins) {
          duplicates++;
        } else {
          conflicts.push({
            lineNo: batch.firstLine + batch.lineOffsets[index],
            reason: `line_id: ${row.line_id} is already stored for another patient (a line id names one line of one patient)`,
          });
        }
      }
    }
    this.timings.duplicateCheckMs += Date.now() - phase;
    phase = Date.now();

    // 3. COPY the kept lines sorted by (partition, INS): each partition's (ins, line_id) index
    // then takes its keys in an ascending run, which cut PostgreSQL's CPU per row by about a
    // third against the file's order (patients in no key order), and a patient's lines of a
    // quarter share heap pages (see copyOrder). Bytes are sent as read.
    const order = copyOrder(batch, keep, scan.perMonth.length);
    const { starts, ends, chunkOf, chunks } = batch;
    let bytes = 0;
    for (let k = 0; k < order.length; k++) bytes += ends[order[k]] - starts[order[k]] + 1;
    const payload = Buffer.allocUnsafe(bytes);
    // Neighbours in the file that stay neighbours (a patient's lines of a quarter) go in one copy,
    // with the LF between them.
    let at = 0;
    for (let k = 0; k < order.length;) {
      const first = order[k];
      const chunk = chunkOf[first];
      let last = first;
      k++;
      while (
        k < order.length &&
        chunkOf[order[k]] === chunk &&
        starts[order[k]] === ends[last] + 1 &&
        chunks[chunk][ends[last]] === LF
      ) {
        last = order[k];
        k++;
      }
      at += chunks[chunk].copy(payload, at, starts[first], ends[last]);
      payload[at++] = LF;
    }
    const target = viaConflict ? 'reimbursement_lines_staging' : LINES_TABLE;
    if (viaConflict) {
      await client.query(
        `CREATE TEMP TABLE IF NOT EXISTS reimbursement_lines_staging (LIKE ${LINES_TABLE} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`,
      );
    }
    const copy = client.query(copyFrom(`COPY ${target} FROM STDIN (FORMAT csv)`));
    const done = new Promise<void>((resolve, reject) => {
      copy.on('finish', resolve);
      copy.on('error', reject);
    });
    copy.end(payload);
    await done;
    this.timings.copyMs += Date.now() - phase;

    // The id ranges this batch stores, per month (a superset is harmless: it only sends a later
    // batch to the per-id probe).
    const ranges: { month: number; min: number; max: number }[] = [];
    for (let slot = 0; slot < scan.perMonth.length; slot++) {
      if (scan.perMonth[slot] > 0)
        ranges.push({
          month: addMonthsToYyyymm(batch.firstMonth, slot),
          min: scan.minId[slot],
          max: scan.maxId[slot],
        });
    }
    const kept = order.length;
    if (!viaConflict)
      return { inserted: kept, duplicates, unknownPatient: scan.unknownPatient, conflicts, ranges };
    const inserted = await client.query(
      `INSERT INTO ${LINES_TABLE} SELECT * FROM reimbursement_lines_staging ON CONFLICT (ins, line_id) DO NOTHING`,
    );
    const insertedCount = inserted.rowCount ?? 0;
    return {
      inserted: insertedCount,
      duplicates: duplicates + (kept - insertedCount),
      unknownPatient: scan.unknownPatient,
      conflicts,
      ranges,
    };
  }

  private async complete(
    fileId: string,
    kind: ReimbursementFileKind,
    correlationId?: string,
  ): Promise<Omit<ImportSummary, 'seconds' | 'linesPerSecond' | 'resumedFromLine'>> {
    return this.dataSource.transaction(async (manager) => {
      const [rows] = (await manager.query(
        `UPDATE reimbursement_files f SET status = 'completed', completed_at = now(), updated_at = now(),
                lines_read = t.lines, imported = t.imported, duplicates = t.duplicates, rejected = t.rejected,
                unknown_patient = t.unknown_patient, out_of_window = t.out_of_window
           FROM (SELECT coalesce(sum(line_count), 0) AS lines, coalesce(sum(imported), 0) AS imported, coalesce(sum(duplicates), 0) AS duplicates,
                        coalesce(sum(rejected), 0) AS rejected, coalesce(sum(unknown_patient), 0) AS unknown_patient, coalesce(sum(out_of_window), 0) AS out_of_window
                   FROM reimbursement_import_batches WHERE file_id = $1) t
          WHERE f.file_id = $1 AND f.status = 'importing'
          RETURNING f.*`,
        [fileId],
      )) as [FileRow[], number];
      const file = rows[0] ?? (await this.findFile(fileId));
      if (!file) throw new Error(`file ${fileId} disappeared during its import`);
      if (rows.length > 0) {
        const payload: FileImportedPayload = {
          fileId,
          kind,
          status: FileImportStatus.COMPLETED,
          counts: countsOf(file),
          startedAt: new Date(file.started_at).toISOString(),
          completedAt: new Date(file.completed_at ?? Date.now()).toISOString(),
        };
        await appendToOutbox(
          manager,
          createEvent(FileImportedEvent, payload, {
            producer: this.settings.serviceName,
            correlationId: correlationId ?? fileId,
          }),
        );
      }
      return this.summaryOf(file, 'completed');
    });
  }

  private async refuse(
    fileId: string,
    kind: ReimbursementFileKind,
    request: ImportRequest,
    sha256: string,
    reason: string,
    declaredLines: number,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `INSERT INTO reimbursement_files (file_id, kind, period_start, period_end, declared_lines, sha256, size_bytes, location, source, status, refusal_reason, batch_lines, started_at, updated_at, completed_at)
         VALUES ($1, $2, NULL, NULL, $3, $4, 0, $5, $6, 'refused', $7, $8, now(), now(), now())
         ON CONFLICT (file_id) DO UPDATE SET status = 'refused', refusal_reason = EXCLUDED.refusal_reason, updated_at = now(), completed_at = now()
           WHERE reimbursement_files.status <> 'completed'
         RETURNING started_at, completed_at`,
        [
          fileId,
          kind,
          declaredLines,
          sha256,
          request.path,
          request.source,
          reason,
          this.settings.batchLines,
        ],
      )) as { started_at: Date; completed_at: Date }[];
      if (rows.length === 0) return; // a completed file stays completed; the duplicate delivery is only reported
      const payload: FileImportedPayload = {
        fileId,
        kind,
        status: FileImportStatus.REFUSED,
        counts: emptyCounts(),
        refusalReason: reason.slice(0, 1000),
        startedAt: new Date(rows[0].started_at).toISOString(),
        completedAt: new Date(rows[0].completed_at).toISOString(),
      };
      await appendToOutbox(
        manager,
        createEvent(FileImportedEvent, payload, {
          producer: this.settings.serviceName,
          correlationId: request.correlationId ?? fileId,
        }),
      );
    });
  }

  private async findFile(fileId: string): Promise<FileRow | null> {
    const rows = (await this.dataSource.query(
      'SELECT * FROM reimbursement_files WHERE file_id = $1',
      [fileId],
    )) as FileRow[];
    return rows[0] ?? null;
  }

  /** batch_no -> content offset after the batch. */
  private async committedBatches(fileId: string): Promise<Map<number, number>> {
    const rows = (await this.dataSource.query(
      'SELECT batch_no, end_offset FROM reimbursement_import_batches WHERE file_id = $1',
      [fileId],
    )) as {
      batch_no: number;
      end_offset: string;
    }[];
    return new Map(rows.map((r) => [Number(r.batch_no), Number(r.end_offset)]));
  }

  private async linesDone(fileId: string): Promise<number> {
    const rows = (await this.dataSource.query(
      'SELECT coalesce(sum(line_count), 0) AS n FROM reimbursement_import_batches WHERE file_id = $1',
      [fileId],
    )) as { n: string }[];
    return Number(rows[0].n);
  }

  private summaryOf(
    file: FileRow,
    outcome: ImportOutcome,
  ): Omit<ImportSummary, 'seconds' | 'linesPerSecond' | 'resumedFromLine'> {
    return {
      fileId: file.file_id,
      outcome,
      counts: countsOf(file),
      declaredLines: Number(file.declared_lines),
    };
  }
}

export interface FileRow {
  file_id: string;
  kind: string;
  status: string;
  sha256: string;
  declared_lines: string;
  batch_lines: number;
  lines_read: string;
  imported: string;
  duplicates: string;
  rejected: string;
  unknown_patient: string;
  out_of_window: string;
  started_at: Date;
  completed_at: Date | null;
}

function emptyCounts(): ImportCounts {
  return { read: 0, imported: 0, duplicates: 0, rejected: 0, unknownPatient: 0, outOfWindow: 0 };
}

function countsOf(file: FileRow): ImportCounts {
  return {
    read: Number(file.lines_read),
    imported: Number(file.imported),
    duplicates: Number(file.duplicates),
    rejected: Number(file.rejected),
    unknownPatient: Number(file.unknown_patient),
    outOfWindow: Number(file.out_of_window),
  };
}

/** Lines done, rate over the last ten seconds and the ETA, reported after each committed batch. */
class ProgressTracker {
  private readonly samples: { at: number; lines: number }[] = [];

  constructor(
    private readonly fileId: string,
    private readonly totalLines: number,
    private done: number,
    private readonly listener?: (progress: ImportProgress) => void,
  ) {
    this.samples.push({ at: Date.now(), lines: done });
  }

  batchDone(lines: number): void {
    this.done += lines;
    const now = Date.now();
    this.samples.push({ at: now, lines: this.done });
    while (this.samples.length > 2 && now - this.samples[1].at > 10_000) this.samples.shift();
    const first = this.samples[0];
    const rate = now > first.at ? ((this.done - first.lines) * 1000) / (now - first.at) : 0;
    this.listener?.({
      fileId: this.fileId,
      linesDone: this.done,
      totalLines: this.totalLines,
      linesPerSecond: rate,
      etaSeconds: rate > 0 ? Math.max(0, (this.totalLines - this.done) / rate) : null,
    });
  }
}
