import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ActorRole, ReimbursementFileKind } from '@dmp/domain';
import type { Actor } from '@dmp/auth';
import {
  FileImportStatus,
  type BackfillRequestedPayload,
  type FileImportedPayload,
} from '@dmp/contracts';
import { generateFeed } from '@dmp/insurer-feed';
import type { KafkaLink } from './kafka-link';
import { describeRefusal, sleep, type SuiteHttp } from './suite-http';
import type { BackfillRequestEntry, FeedDelivery, FeedFileEntry, FeedPatientLines } from './types';

export interface InsurerOptions {
  seed: number;
  http: SuiteHttp;
  kafka: KafkaLink;
  workDir: string;
  delivery: FeedDelivery[];
  dropDir?: string;
  linesPerPatient: number;
  now: Date;
  retryDeadlineMs: number;
  /** INS whose record the simulation opened (the insurer's lines for them must be stored). */
  isOpen: (ins: string) => boolean;
  /** Patients per backfill file (default 2,000: files of about 200,000 lines). */
  maxPatientsPerFile?: number;
  /** How long the oldest pending request waits for others to share its file (default 2 s). */
  batchWindowMs?: number;
  /**
   * How often files without an outcome are asked about (GET /imports/files/:id; default 5 s).
   * Outcomes normally arrive at once on the file-imported topic (`onImported`); the poll is the
   * fallback for a summary that never comes.
   */
  importPollMs?: number;
  log: (line: string) => void;
  signal?: AbortSignal;
}

const PIPELINE: Actor = { role: ActorRole.INSURER_PIPELINE, pipelineId: 'dmp-simulator' } as Actor;

function monthIndex(isoDate: string): number {
  return Number(isoDate.slice(0, 4)) * 12 + Number(isoDate.slice(5, 7)) - 1;
}

/**
 * Counts a generated file's lines per patient and those inside the window (the current month
 * and the 24 before it), reading the file as the insurer wrote it.
 */
export async function countFeedLines(
  path: string,
  now: Date,
): Promise<Map<string, { lines: number; inWindow: number }>> {
  const text = await readFile(path, 'utf8');
  const windowStart = now.getUTCFullYear() * 12 + now.getUTCMonth() - 24;
  const counts = new Map<string, { lines: number; inWindow: number }>();
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (lineNo <= 2 || line.length === 0) continue;
    const first = line.indexOf(',');
    const second = line.indexOf(',', first + 1);
    const third = line.indexOf(',', second + 1);
    const ins = line.slice(first + 1, second);
    const careDate = line.slice(second + 1, third);
    const entry = counts.get(ins) ?? { lines: 0, inWindow: 0 };
    entry.lines++;
    if (monthIndex(careDate) >= windowStart) entry.inWindow++;
    counts.set(ins, entry);
  }
  return counts;
}

/**
 * The insurer's batch pipeline, simulated: it collects the backfill requests of the run, answers
 * them with backfill files (one file for up to 2,000 patients, each patient answered once), sends
 * a delta at the end, delivers every file by upload, drop folder or announcement, and follows
 * each import to its outcome.
 */
export class SimulatedInsurer {
  readonly requests: BackfillRequestEntry[] = [];
  readonly files: FeedFileEntry[] = [];
  private readonly pending: BackfillRequestEntry[] = [];
  private readonly answered = new Map<string, string>();
  private readonly requestIds = new Set<string>();
  /** INS that sent at least one backfill request. */
  readonly requested = new Set<string>();
  private oldestPendingAt = 0;
  private lastImportPoll = 0;
  private lineIdOffset = 0;
  private loop?: Promise<void>;
  private stopping = false;
  private working = Promise.resolve();

  constructor(private readonly options: InsurerOptions) {}

  onRequest(request: BackfillRequestedPayload): void {
    if (this.requestIds.has(request.requestId)) return;
    this.requestIds.add(request.requestId);
    this.requested.add(request.ins);
    const entry: BackfillRequestEntry = {
      requestId: request.requestId,
      ins: request.ins,
      from: request.from,
      to: request.to,
      trigger: request.trigger,
    };
    this.requests.push(entry);
    const fileId = this.answered.get(request.ins);
    // A second request for a patient already answered (a redelivery, a reactivation): the same lines, already sent.
    if (fileId !== undefined) {
      entry.fileId = fileId;
      return;
    }
    if (this.pending.length === 0) this.oldestPendingAt = Date.now();
    this.pending.push(entry);
  }

  /** Answers pending requests about once a second until `stop`. */
  start(): void {
    this.loop = (async () => {
      while (!this.stopping && !this.options.signal?.aborted) {
        const max = this.options.maxPatientsPerFile ?? 2_000;
        try {
          if (
            this.pending.length >= max ||
            (this.pending.length > 0 &&
              Date.now() - this.oldestPendingAt >= (this.options.batchWindowMs ?? 2_000))
          ) {
            await this.serialised(() => this.answerPending());
          }
          if (Date.now() - this.lastImportPoll >= (this.options.importPollMs ?? 5_000)) {
            this.lastImportPoll = Date.now();
            await this.pollImports();
          }
        } catch (error) {
          // A local failure (disk, drop folder): said once per occurrence; the run goes on.
          this.options.log(`insurer: ${error instanceof Error ? error.message : String(error)}`);
        }
        await sleep(250, this.options.signal);
      }
    })();
  }

  private serialised(work: () => Promise<void>): Promise<void> {
    const next = this.working.then(work);
    this.working = next.catch(() => undefined);
    return next;
  }

  pendingRequests(): number {
    return this.pending.length;
  }

  private async answerPending(): Promise<void> {
    const max = this.options.maxPatientsPerFile ?? 2_000;
    const batch = this.pending.splice(0, max);
    this.oldestPendingAt = Date.now();
    const patients = [...new Set(batch.map((r) => r.ins))].filter((ins) => !this.answered.has(ins));
    if (patients.length === 0) return;
    const entry = await this.writeAndDeliver(
      'backfill',
      patients,
      this.options.linesPerPatient,
      [],
    );
    for (const r of batch) r.fileId = this.answered.get(r.ins) ?? entry.fileId;
    entry.requestIds = batch.map((r) => r.requestId);
  }

  /** The day's delta for some open patients, with a few lines of people who have no record. */
  async sendDelta(patients: string[], strangers: string[]): Promise<void> {
    if (patients.length === 0 && strangers.length === 0) return;
    await this.serialised(async () => {
      await this.writeAndDeliver('delta', [...patients, ...strangers], 3, strangers);
    });
  }

  private async writeAndDeliver(
    kind: 'backfill' | 'delta',
    patients: string[],
    perPatient: number,
    strangers: string[],
  ): Promise<FeedFileEntry> {
    const seq = this.files.length;
    const fileId = `SIM-${this.options.seed}-${kind.toUpperCase()}-${String(seq).padStart(5, '0')}`;
    const path = join(this.options.workDir, `${fileId}.csv`);
    const lines = Math.max(1, patients.length * perPatient);
    // Line ids are the insurer's, unique for ever: each file takes the next block of sequence
    // numbers, in a slot of its own per seed.
    const lineIdBase = ((this.options.seed % 89) + 1) * 100_000_000 + this.lineIdOffset;
    this.lineIdOffset += lines;
    const generated = await generateFeed({
      out: path,
      lines,
      seed: (this.options.seed * 1009 + seq) >>> 0,
      kind,
      fileId,
      now: this.options.now,
      linesPerPatient: perPatient,
      lineIdBase,
      patients,
    });
    for (const ins of patients) if (kind === 'backfill') this.answered.set(ins, fileId);
    const counts = await countFeedLines(path, this.options.now);
    const strangerSet = new Set(strangers);
    const perPatientLines: FeedPatientLines[] = [...counts.entries()].map(([ins, c]) => ({
      ins,
      lines: c.lines,
      inWindow: c.inWindow,
      openRecord: !strangerSet.has(ins) && this.options.isOpen(ins),
    }));
    const entry: FeedFileEntry = {
      seq,
      fileId,
      kind,
      way: this.options.delivery[seq % this.options.delivery.length] ?? 'upload',
      sha256: generated.sha256,
      lines: generated.lines,
      expectedStored: perPatientLines
        .filter((p) => p.openRecord)
        .reduce((a, p) => a + p.inWindow, 0),
      expectedOutOfWindow: perPatientLines
        .filter((p) => p.openRecord)
        .reduce((a, p) => a + p.lines - p.inWindow, 0),
      expectedUnknownPatient: perPatientLines
        .filter((p) => !p.openRecord)
        .reduce((a, p) => a + p.lines, 0),
      patients: perPatientLines,
      requestIds: [],
      outcome: 'unknown',
      attempts: 0,
      at: new Date().toISOString(),
    };
    this.files.push(entry);
    try {
      await this.deliver(entry, path);
    } catch (error) {
      entry.reason = `not delivered: ${error instanceof Error ? error.message : String(error)}`;
      this.options.log(`insurer: file ${fileId} ${entry.reason}`);
    }
    return entry;
  }

  private async deliver(entry: FeedFileEntry, path: string): Promise<void> {
    const { http, kafka, dropDir, retryDeadlineMs } = this.options;
    if (entry.way === 'upload') {
      const answer = await http.request('reimbursements', 'POST', '/imports', PIPELINE, {
        raw: await readFile(path),
        contentType: 'text/csv',
        headers: { 'x-content-sha256': entry.sha256 },
      });
      entry.attempts = answer.attempts;
      if (answer.status !== 202) {
        entry.reason = `upload: ${describeRefusal(answer.status, answer.body, answer.text)}`;
        if (answer.status >= 400 && answer.status < 500) entry.outcome = 'refused';
      }
      return;
    }
    if (dropDir === undefined)
      throw new Error(
        `feed delivery ${entry.way} needs dropDir (the service's REIMBURSEMENTS_DROP_DIR)`,
      );
    if (entry.way === 'drop-folder') {
      // The file first (under a name the watcher ignores until renamed), its sidecar last: the
      // sidecar says it is complete. Each appears by a rename, whole: the watcher takes a
      // sidecar as soon as it exists, and one caught between its creation and its write was
      // empty (two files of a scale-10 chaos run refused, "no sha256 was delivered").
      await mkdir(resolve(dropDir), { recursive: true });
      const target = join(resolve(dropDir), `${entry.fileId}.csv`);
      await copyFile(path, `${target}.part`);
      await rename(`${target}.part`, target);
      await writeFile(`${target}.sha256.part`, `${entry.sha256}  ${basename(target)}\n`);
      await rename(`${target}.sha256.part`, `${target}.sha256`);
      entry.attempts = 1;
      return;
    }
    const sent = await kafka.announceFile(
      {
        fileId: entry.fileId,
        kind:
          entry.kind === 'backfill' ? ReimbursementFileKind.BACKFILL : ReimbursementFileKind.DELTA,
        location: resolve(path),
        sha256: entry.sha256,
        lineCount: entry.lines,
      },
      retryDeadlineMs,
    );
    entry.attempts = sent.attempts;
    if (!sent.ok) entry.reason = `announcement not produced: ${sent.error ?? 'unknown error'}`;
  }

  /** A file's import summary from the file-imported topic: its outcome without a request. */
  onImported(summary: FileImportedPayload): void {
    const file = this.files.find((f) => f.fileId === summary.fileId);
    // A summary older than the file is an earlier run's (file ids repeat from seed to seed).
    if (!file || file.outcome !== 'unknown' || Date.parse(summary.completedAt) < Date.parse(file.at))
      return;
    file.outcome = summary.status === FileImportStatus.COMPLETED ? 'completed' : 'refused';
    file.counts = { ...summary.counts };
    if (summary.refusalReason) file.reason = summary.refusalReason;
  }

  /** Asks reimbursements for the outcome of every file still without one. */
  async pollImports(): Promise<void> {
    for (const file of this.files) {
      // Files that never reached the suite have no import to ask about.
      if (
        file.outcome !== 'unknown' ||
        file.reason?.startsWith('not delivered') ||
        file.reason?.startsWith('announcement not produced')
      )
        continue;
      const answer = await this.options.http.request(
        'reimbursements',
        'GET',
        `/imports/files/${encodeURIComponent(file.fileId)}`,
        PIPELINE,
      );
      if (answer.status !== 200) continue;
      const body = answer.body as {
        status?: string;
        refusalReason?: string | null;
        counts?: Record<string, number>;
      };
      if (body.status === 'completed' || body.status === 'refused') {
        file.outcome = body.status;
        if (body.counts) file.counts = body.counts;
        if (body.refusalReason) file.reason = body.refusalReason;
      }
    }
  }

  allImported(): boolean {
    return (
      this.pending.length === 0 &&
      this.files.every(
        (f) =>
          f.outcome !== 'unknown' ||
          f.reason?.startsWith('not delivered') ||
          f.reason?.startsWith('announcement not produced'),
      )
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.working;
  }
}
