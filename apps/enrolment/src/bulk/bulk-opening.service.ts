import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Actor } from '@dmp/auth';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { EnrolmentConfig } from '../config';
import { Opener } from '../records/opener';
import { BulkRowResult, PreparedBatch } from './bulk-batch-preparer';
import { BulkFormat, BulkJobEntity } from './bulk-job.entity';
import { BatchOutcome, BulkOpeningWriter } from './bulk-opening.writer';
import { BulkPreparation } from './bulk-preparation';
import { BulkFileError } from './bulk-row-reader';

export type { BulkRowResult } from './bulk-batch-preparer';

/** Prepared batches a job may have waiting for the database, beyond those in flight. */
const CHUNKS_AHEAD = 4;

/**
 * Runs a campaign file through the same validation (the fast check or class-validator on
 * OpenRecordDto, then checkOpening) and the same idempotent insert as POST /records, a batch at a
 * time: each batch is one transaction holding its openings, their outbox events, its result lines
 * and the job's counters, so progress and results never run ahead of what is committed. Parsing,
 * validation and the rendering of records, events and result lines run in a worker thread
 * (BulkPreparation); this thread streams the file to it and each prepared batch to PostgreSQL,
 * with the next chunks being prepared while batches are written.
 */
@Injectable()
export class BulkOpeningService {
  private readonly logger = new Logger(BulkOpeningService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writer: BulkOpeningWriter,
    private readonly preparation: BulkPreparation,
    private readonly config: EnrolmentConfig,
  ) {}

  async run(job: BulkJobEntity, actor: Actor, opener: Opener, source: AsyncIterable<Buffer | string>, format: BulkFormat): Promise<void> {
    let seq = 0;
    // Up to ENROLMENT_BULK_PARALLEL_BATCHES transactions at once, so one batch's commit (fsync)
    // overlaps the next one's insert. Safe: rows are inserted in INS order (no deadlock between
    // batches), a duplicate INS in a later batch waits for the earlier batch's commit and then
    // reads as already-opened, and result chunks are numbered in file order.
    const inflight: Promise<void>[] = [];
    const settleAll = () => Promise.allSettled(inflight);
    const flush = async (batch: PreparedBatch): Promise<void> => {
      while (inflight.length >= this.config.ENROLMENT_BULK_PARALLEL_BATCHES) await inflight.shift();
      const running = this.processBatch(job.id, seq++, batch, opener);
      // Surface a failure at the next await rather than as an unhandled rejection.
      running.catch(() => undefined);
      inflight.push(running);
    };
    const stream = this.preparation.open({
      format,
      actor,
      opener,
      now: Date.now(),
      correlationId: `bulk-${job.id}`,
      batchSize: this.config.ENROLMENT_BULK_BATCH_SIZE,
    });
    // Each chunk's batches are written as soon as the worker answers, in file order (one chain),
    // while the next chunks are read and prepared; at most CHUNKS_AHEAD chunks wait in the chain.
    let chain: Promise<void> = Promise.resolve();
    const ahead: Promise<void>[] = [];
    try {
      for await (const chunk of source) {
        const prepared = stream.push(chunk);
        prepared.catch(() => undefined);
        chain = chain.then(async () => {
          for (const batch of await prepared) await flush(batch);
        });
        chain.catch(() => undefined);
        ahead.push(chain);
        if (ahead.length >= CHUNKS_AHEAD) await ahead.shift();
      }
      await chain;
      for (const batch of await stream.end()) await flush(batch);
      while (inflight.length > 0) await inflight.shift();
      await this.dataSource.query(`UPDATE bulk_jobs SET status = 'completed', finished_at = now(), updated_at = now() WHERE id = $1`, [job.id]);
    } catch (error) {
      stream.close();
      await Promise.allSettled([chain]);
      await settleAll();
      const message = error instanceof BulkFileError ? error.message : `the upload stopped: ${(error as Error).message}`;
      if (!(error instanceof BulkFileError)) this.logger.warn(`bulk job ${job.id} failed: ${(error as Error).message}`);
      await this.dataSource.query(`UPDATE bulk_jobs SET status = 'failed', failure = $2, finished_at = now(), updated_at = now() WHERE id = $1`, [job.id, message]);
      throw error;
    }
  }

  private async processBatch(jobId: string, seq: number, batch: PreparedBatch, opener: Opener): Promise<void> {
    await this.writer.write(batch, opener, async (manager: EntityManager, outcome: BatchOutcome) => {
      await manager.query(`INSERT INTO bulk_job_results (job_id, seq, first_line, lines) VALUES ($1, $2, $3, $4)`, [
        jobId,
        seq,
        (JSON.parse(outcome.results[0]) as BulkRowResult).line,
        outcome.results.join('\n') + '\n',
      ]);
      await manager.query(
        `UPDATE bulk_jobs SET rows_processed = rows_processed + $2, opened = opened + $3, already_opened = already_opened + $4,
           conflicts = conflicts + $5, rejected = rejected + $6, updated_at = now() WHERE id = $1`,
        [jobId, outcome.results.length, outcome.opened, outcome.alreadyOpened, outcome.conflicts, outcome.rejected],
      );
    });
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
