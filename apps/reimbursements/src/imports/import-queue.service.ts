import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { SERVICE_CONFIG } from '@dmp/platform';
import { ReimbursementsConfig } from '../config';
import { FeedImporter, FileBusyError, ImportSource, ImportSummary } from '../import/feed-importer';
import { readyDroppedFiles, SIDECAR_SUFFIX } from './drop-folder';
import { ImportMetrics } from './import-metrics.service';

export interface QueueEntry {
  id: string;
  location: string;
  sha256: string | null;
  expected_lines: string | null;
  expected_file_id: string | null;
  source: ImportSource;
  correlation_id: string | null;
  status: 'pending' | 'done' | 'failed';
  attempts: number;
  last_error: string | null;
  outcome: string | null;
  file_id: string | null;
  enqueued_at: Date;
  finished_at: Date | null;
}

export interface Enqueue {
  location: string;
  sha256: string | null;
  expectedLines?: number;
  expectedFileId?: string;
  source: ImportSource;
  correlationId?: string;
}

const MAX_ATTEMPTS = 5;
// Advisory lock namespace of queue entries (pg_try_advisory_lock(namespace, id)).
const QUEUE_LOCK_NAMESPACE = 61_473;

/**
 * Every way in (drop folder, upload, Kafka announcement) ends as a row here; one runner per
 * instance imports the rows one file at a time. An entry is claimed with a session advisory lock
 * on a dedicated connection, so instances never import the same file together, and an instance
 * that dies leaves its entry pending: the next poll (of any instance) resumes it from the file's
 * last checkpoint.
 */
@Injectable()
export class ImportQueueService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ImportQueueService.name);
  private readonly importer: FeedImporter;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: ReimbursementsConfig,
    private readonly metrics: ImportMetrics,
  ) {
    this.importer = new FeedImporter(dataSource, {
      serviceName: 'reimbursements',
      batchLines: config.REIMBURSEMENTS_BATCH_LINES,
      connections: config.REIMBURSEMENTS_IMPORT_CONNECTIONS,
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.REIMBURSEMENTS_POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    // An import in progress is left to its checkpoints: the next start resumes it.
    await Promise.race([
      this.running ?? Promise.resolve(),
      new Promise((r) => setTimeout(r, 2_000).unref()),
    ]);
  }

  async enqueue(
    entry: Enqueue,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<QueueEntry> {
    const rows = (await manager.query(
      `INSERT INTO reimbursement_import_queue (location, sha256, expected_lines, expected_file_id, source, correlation_id, status, enqueued_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', now()) RETURNING *`,
      [
        entry.location,
        entry.sha256,
        entry.expectedLines ?? null,
        entry.expectedFileId ?? null,
        entry.source,
        entry.correlationId ?? null,
      ],
    )) as QueueEntry[];
    setImmediate(() => this.tick());
    return rows[0];
  }

  async find(id: string): Promise<QueueEntry | null> {
    if (!/^[0-9]{1,18}$/.test(id)) return null;
    const rows = (await this.dataSource.query(
      'SELECT * FROM reimbursement_import_queue WHERE id = $1',
      [id],
    )) as QueueEntry[];
    return rows[0] ?? null;
  }

  private tick(): void {
    if (this.running || this.stopping) return;
    this.running = this.poll()
      .catch((error: unknown) =>
        this.logger.warn({ msg: 'import poll failed', error: String(error) }),
      )
      .finally(() => {
        this.running = null;
      });
  }

  private async poll(): Promise<void> {
    await this.scanDropFolder();
    for (;;) {
      if (this.stopping) return;
      const worked = await this.runOne();
      if (!worked) return;
    }
  }

  /** Claims and imports one pending entry; false when there was none to claim. */
  private async runOne(): Promise<boolean> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const pending = (await runner.query(
        `SELECT id FROM reimbursement_import_queue WHERE status = 'pending' ORDER BY id LIMIT 20`,
      )) as { id: string }[];
      for (const { id } of pending) {
        const [{ locked }] = (await runner.query(
          'SELECT pg_try_advisory_lock($1, $2::int) AS locked',
          [QUEUE_LOCK_NAMESPACE, id],
        )) as { locked: boolean }[];
        if (!locked) continue;
        try {
          const entry = await this.find(id);
          if (entry?.status !== 'pending') continue;
          await this.process(entry);
          return true;
        } finally {
          await runner.query('SELECT pg_advisory_unlock($1, $2::int)', [QUEUE_LOCK_NAMESPACE, id]);
        }
      }
      return false;
    } finally {
      await runner.release();
    }
  }

  private async process(entry: QueueEntry): Promise<void> {
    let summary: ImportSummary;
    try {
      summary = await this.importer.import(
        {
          path: entry.location,
          source: entry.source,
          expectedSha256: entry.sha256,
          expectedLines: entry.expected_lines === null ? undefined : Number(entry.expected_lines),
          expectedFileId: entry.expected_file_id ?? undefined,
          correlationId: entry.correlation_id ?? undefined,
        },
        (p) => this.metrics.progress(p),
      );
    } catch (error) {
      if (error instanceof FileBusyError) return; // another instance or the CLI has it: later
      const attempts = entry.attempts + 1;
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn({
        msg: 'import failed, will resume from its checkpoint',
        queueId: entry.id,
        attempts,
        error: message,
      });
      await this.dataSource.query(
        `UPDATE reimbursement_import_queue SET attempts = $2, last_error = $3, status = CASE WHEN $2 >= $4 THEN 'failed' ELSE status END WHERE id = $1`,
        [entry.id, attempts, message.slice(0, 2000), MAX_ATTEMPTS],
      );
      return;
    }
    this.metrics.finished(summary);
    await this.dataSource.query(
      `UPDATE reimbursement_import_queue SET status = 'done', outcome = $2, file_id = $3, finished_at = now(), last_error = $4 WHERE id = $1`,
      [entry.id, summary.outcome, summary.fileId, summary.refusalReason ?? null],
    );
    this.logger.log({ msg: 'file imported', queueId: entry.id, ...summary });
    // Spooled uploads are ours: once imported (or refused) they go.
    if (entry.source === ImportSource.UPLOAD) await rm(entry.location, { force: true });
    if (entry.source === ImportSource.DROP_FOLDER)
      await this.archive(entry.location, summary.outcome === 'refused' ? 'quarantine' : 'done');
  }

  private dropDir(): string {
    return resolve(this.config.REIMBURSEMENTS_DROP_DIR);
  }

  /**
   * The files whose sidecar is complete (see readyDroppedFiles) are moved with it to processing/
   * (a rename: atomic, so on a shared folder one instance wins) and queued with its checksum.
   */
  private async scanDropFolder(): Promise<void> {
    const dir = this.dropDir();
    const processing = join(dir, 'processing');
    for (const { name, sha256 } of await readyDroppedFiles(dir)) {
      await mkdir(processing, { recursive: true });
      const target = join(processing, name);
      try {
        await rename(join(dir, `${name}${SIDECAR_SUFFIX}`), `${target}${SIDECAR_SUFFIX}`);
        await rename(join(dir, name), target);
      } catch {
        continue; // another instance took it
      }
      await this.enqueue({ location: target, sha256, source: ImportSource.DROP_FOLDER });
    }
  }

  private async archive(location: string, folder: 'done' | 'quarantine'): Promise<void> {
    const target = join(this.dropDir(), folder);
    try {
      await mkdir(target, { recursive: true });
      await rename(location, join(target, basename(location)));
      await rename(`${location}.sha256`, join(target, `${basename(location)}.sha256`)).catch(
        () => undefined,
      );
    } catch (error) {
      this.logger.warn({ msg: 'could not archive a dropped file', location, error: String(error) });
    }
  }
}
