import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicRounds, SERVICE_CONFIG } from '@dmp/platform';
import { ConsentConfig } from '../../config';
import { returningRows } from '../../database/returning';
import { PurgeTraceCommand } from './purge-trace.command';

// Any fixed number: one purge at a time across every consent instance.
const PURGE_LOCK_KEY = 7_004_001;
const CHUNK = 10_000;

/** The retention limit: records closed before it have their trace purged. */
export function retentionLimit(now: Date, years: number): Date {
  const limit = new Date(now);
  limit.setUTCFullYear(limit.getUTCFullYear() - years);
  return limit;
}

/**
 * Retention: the trace of a record is kept ten years after the record closes, then deleted. A
 * reactivated record is open again, so its trace is kept. Runs every
 * CONSENT_TRACE_PURGE_INTERVAL_MS in one instance at a time (advisory lock), in chunks so that it
 * never holds long locks; POST /operations/access-trace/purge runs it at once.
 */
@Injectable()
export class PurgeTraceUseCase implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PurgeTraceUseCase.name);
  private readonly rounds = new PeriodicRounds('trace purge', this.logger, () =>
    this.execute({ closedBefore: retentionLimit(new Date(), this.config.CONSENT_TRACE_RETENTION_YEARS) }),
  );

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: ConsentConfig,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.CONSENT_TRACE_PURGE_INTERVAL_MS;
    if (interval > 0) this.rounds.start(interval);
  }

  /** Graceful shutdown: a purge in flight finishes its chunk and releases its lock first. */
  async onApplicationShutdown(): Promise<void> {
    await this.rounds.stop();
  }

  /** Returns the number of trace rows deleted (0 when another instance holds the purge). */
  async execute(command: PurgeTraceCommand): Promise<{ deleted: number; skipped: boolean }> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [PURGE_LOCK_KEY])) as Array<{ locked: boolean }>;
      if (!locked) return { deleted: 0, skipped: true };
      try {
        let deleted = 0;
        for (;;) {
          const result: unknown = await runner.query(
            `DELETE FROM access_trace WHERE access_id IN (
               SELECT t.access_id FROM access_trace t JOIN consent_patients p ON p.ins = t.ins
               WHERE p.record_status = 'closed' AND p.closed_at < $1
               LIMIT $2)
             RETURNING access_id`,
            [command.closedBefore, CHUNK],
          );
          const rows = returningRows<{ access_id: string }>(result);
          deleted += rows.length;
          if (rows.length < CHUNK) break;
        }
        if (deleted > 0) this.logger.log({ msg: 'access trace purged', deleted, closedBefore: command.closedBefore.toISOString() });
        return { deleted, skipped: false };
      } finally {
        await runner.query(`SELECT pg_advisory_unlock($1)`, [PURGE_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }
}
