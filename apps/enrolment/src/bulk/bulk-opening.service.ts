import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Actor } from '@dmp/auth';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { EnrolmentConfig } from '../config';
import { fastOpeningCheck } from '../records/dto/fast-opening-check';
import { OpenRecordDto } from '../records/dto/open-record.dto';
import { validateBody } from '../records/dto/validate-body';
import { OpeningOutcome } from '../records/open-record/open-record.usecase';
import { Opener } from '../records/opener';
import { OpeningData, checkOpening } from '../records/opening-rules';
import { mayOpen } from '../records/record-access.policy';
import { FieldError } from '../records/record.exception';
import { BulkFormat, BulkJobEntity } from './bulk-job.entity';
import { BulkOpeningWriter } from './bulk-opening.writer';
import { BulkFileError, BulkRow, readBulkRows } from './bulk-row-reader';

/** One line of the result file. */
export interface BulkRowResult {
  line: number;
  ins: string | null;
  outcome: 'opened' | 'already-opened' | 'conflict' | 'rejected';
  recordId?: string;
  errors?: FieldError[];
}

type Pending = { line: number; ins: string | null } & ({ opening: OpeningData } | { errors: FieldError[] });

/**
 * Runs a campaign file through the same validation (class-validator on OpenRecordDto, then
 * checkOpening) and the same idempotent insert as POST /records (BulkOpeningWriter), a batch at a time: each batch
 * is one transaction holding its openings, their outbox events, its result lines and the job's
 * counters, so progress and results never run ahead of what is committed. Reading and validating
 * the next batch overlaps with the database work on the current one.
 */
@Injectable()
export class BulkOpeningService {
  private readonly logger = new Logger(BulkOpeningService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writer: BulkOpeningWriter,
    private readonly config: EnrolmentConfig,
  ) {}

  async run(job: BulkJobEntity, actor: Actor, opener: Opener, source: AsyncIterable<Buffer | string>, format: BulkFormat): Promise<void> {
    const correlationId = `bulk-${job.id}`;
    let seq = 0;
    let batch: Pending[] = [];
    // Up to ENROLMENT_BULK_PARALLEL_BATCHES transactions at once, so one batch's commit (fsync)
    // overlaps the next one's insert. Safe: rows are inserted in INS order (no deadlock between
    // batches), a duplicate INS in a later batch waits for the earlier batch's commit and then
    // reads as already-opened, and result chunks are numbered in file order.
    const inflight: Promise<void>[] = [];
    const settleAll = () => Promise.allSettled(inflight);
    const flush = async (): Promise<void> => {
      const rows = batch;
      batch = [];
      while (inflight.length >= this.config.ENROLMENT_BULK_PARALLEL_BATCHES) await inflight.shift();
      const running = this.processBatch(job.id, seq++, rows, opener, correlationId);
      // Surface a failure at the next await rather than as an unhandled rejection.
      running.catch(() => undefined);
      inflight.push(running);
    };
    try {
      const now = new Date();
      for await (const rows of readBulkRows(source, format)) {
        for (const row of rows) {
          batch.push(this.validate(row, actor, now));
          if (batch.length >= this.config.ENROLMENT_BULK_BATCH_SIZE) await flush();
        }
      }
      if (batch.length > 0) await flush();
      while (inflight.length > 0) await inflight.shift();
      await this.dataSource.query(`UPDATE bulk_jobs SET status = 'completed', finished_at = now(), updated_at = now() WHERE id = $1`, [job.id]);
    } catch (error) {
      await settleAll();
      const message = error instanceof BulkFileError ? error.message : `the upload stopped: ${(error as Error).message}`;
      if (!(error instanceof BulkFileError)) this.logger.warn(`bulk job ${job.id} failed: ${(error as Error).message}`);
      await this.dataSource.query(`UPDATE bulk_jobs SET status = 'failed', failure = $2, finished_at = now(), updated_at = now() WHERE id = $1`, [job.id, message]);
      throw error;
    }
  }

  private validate(row: BulkRow, actor: Actor, now: Date): Pending {
    if ('errors' in row) return { line: row.line, ins: row.ins, errors: row.errors };
    const rawIns = typeof row.body.ins === 'string' ? row.body.ins : null;
    const fast = fastOpeningCheck(row.body);
    const shaped = fast ? { ok: true as const, value: fast } : validateBody(OpenRecordDto, row.body);
    if (!shaped.ok) return { line: row.line, ins: rawIns, errors: shaped.errors };
    const checked = checkOpening(shaped.value, now);
    if (!checked.ok) return { line: row.line, ins: rawIns, errors: checked.errors };
    if (!mayOpen(actor, checked.value)) {
      return { line: row.line, ins: checked.value.ins, errors: [{ field: 'ins', reason: 'you may not open this record' }] };
    }
    return { line: row.line, ins: checked.value.ins, opening: checked.value };
  }

  private async processBatch(jobId: string, seq: number, rows: Pending[], opener: Opener, correlationId: string): Promise<void> {
    const openings = rows.flatMap((r) => ('opening' in r ? [r.opening] : []));
    const record = async (manager: EntityManager, outcomes: OpeningOutcome[]): Promise<void> => {
      let next = 0;
      const results: BulkRowResult[] = rows.map((r) => {
        if ('errors' in r) return { line: r.line, ins: r.ins, outcome: 'rejected', errors: r.errors };
        const outcome = outcomes[next++];
        return { line: r.line, ins: r.ins, outcome: outcome.kind, recordId: outcome.record.id };
      });
      const count = (kind: BulkRowResult['outcome']) => results.filter((r) => r.outcome === kind).length;
      await manager.query(`INSERT INTO bulk_job_results (job_id, seq, first_line, lines) VALUES ($1, $2, $3, $4)`, [
        jobId,
        seq,
        rows[0].line,
        results.map((r) => JSON.stringify(r)).join('\n') + '\n',
      ]);
      await manager.query(
        `UPDATE bulk_jobs SET rows_processed = rows_processed + $2, opened = opened + $3, already_opened = already_opened + $4,
           conflicts = conflicts + $5, rejected = rejected + $6, updated_at = now() WHERE id = $1`,
        [jobId, results.length, count('opened'), count('already-opened'), count('conflict'), count('rejected')],
      );
    };
    await this.writer.write(openings, opener, correlationId, record);
  }

  async createJob(actor: Actor, format: BulkFormat, fileName: string | null, expectedRows: number | null): Promise<BulkJobEntity> {
    const now = new Date();
    const job: BulkJobEntity = Object.assign(new BulkJobEntity(), {
      id: randomUUID(),
      status: 'created',
      format,
      submittedBy: { ...actor } as Record<string, unknown>,
      fileName,
      expectedRows,
      rowsProcessed: 0,
      opened: 0,
      alreadyOpened: 0,
      conflicts: 0,
      rejected: 0,
      failure: null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      updatedAt: now,
    } satisfies BulkJobEntity);
    await this.dataSource.query(
      `INSERT INTO bulk_jobs (id, status, format, submitted_by, file_name, expected_rows, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
      [job.id, job.status, job.format, JSON.stringify(job.submittedBy), job.fileName, job.expectedRows, now],
    );
    return job;
  }

  /** created -> running, once: a second upload to the same job is refused. */
  async start(jobId: string): Promise<boolean> {
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count] rather than rows.
    const rows: unknown[] = await this.dataSource.query(
      `WITH started AS (
         UPDATE bulk_jobs SET status = 'running', started_at = now(), updated_at = now() WHERE id = $1 AND status = 'created' RETURNING id
       ) SELECT id FROM started`,
      [jobId],
    );
    return rows.length === 1;
  }

  async find(jobId: string): Promise<BulkJobEntity | null> {
    return this.dataSource.getRepository(BulkJobEntity).findOne({ where: { id: jobId } });
  }

  /** The result file as stored: NDJSON text, a batch at a time in file order (keyset on seq). */
  async *resultChunks(jobId: string): AsyncGenerator<string> {
    let after = -1;
    for (;;) {
      const chunks: { seq: number; lines: string }[] = await this.dataSource.query(
        `SELECT seq, lines FROM bulk_job_results WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT 20`,
        [jobId, after],
      );
      if (chunks.length === 0) return;
      for (const chunk of chunks) {
        yield chunk.lines;
        after = chunk.seq;
      }
    }
  }

  async *results(jobId: string): AsyncGenerator<BulkRowResult[]> {
    for await (const text of this.resultChunks(jobId)) {
      yield text
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as BulkRowResult);
    }
  }
}
