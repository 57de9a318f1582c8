import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicRounds, SERVICE_CONFIG } from '@dmp/platform';
import { DocumentsConfig } from '../config';
import { ParkedSubmission } from '../submissions/filing';
import { SubmissionPipeline } from '../submissions/submission-pipeline.service';

/**
 * Refuses the parked documents whose record never opened in time. Every instance runs it;
 * FOR UPDATE SKIP LOCKED hands each expired row to one of them only.
 */
@Injectable()
export class ParkedSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ParkedSweeper.name);
  private readonly rounds = new PeriodicRounds('parked documents sweep', this.logger, () => this.sweep());

  constructor(
    private readonly dataSource: DataSource,
    private readonly pipeline: SubmissionPipeline,
    @Inject(SERVICE_CONFIG) private readonly config: DocumentsConfig,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.DOCUMENTS_PARK_SWEEP_INTERVAL_MS;
    if (interval > 0) this.rounds.start(interval);
  }

  onApplicationShutdown(): Promise<void> {
    return this.rounds.stop();
  }

  /** One round: refuses up to 500 expired parked documents; returns how many. */
  async sweep(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows: Array<{ submission: ParkedSubmission }> = await manager.query(
        `WITH expired AS (
           DELETE FROM parked_documents WHERE id IN (
             SELECT id FROM parked_documents WHERE deadline <= now() ORDER BY deadline LIMIT 500 FOR UPDATE SKIP LOCKED
           ) RETURNING id, submission
         ) SELECT submission FROM expired ORDER BY id`,
      );
      if (rows.length > 0) {
        await this.pipeline.expire(manager, rows, this.config.DOCUMENTS_PARK_MAX_WAIT_MS);
        this.logger.log(`refused ${rows.length} parked documents whose record did not open in time`);
      }
      return rows.length;
    });
  }
}
