import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SERVICE_CONFIG } from '@dmp/platform';
import { ReimbursementsConfig } from '../config';
import { addMonthsToYyyymm, careWindow, windowMonths } from '../feed/care-window';
import {
  dropPartitionsBefore,
  ensurePartitions,
  monthsOfQuarter,
  partitionName,
} from '../import/partitions';

export interface PurgeResult {
  /** The partitions dropped (whole quarters before the window) and the months they held. */
  droppedPartitions: string[];
  droppedMonths: number[];
  /** The partitions created (the window's, and the coming month's ahead of the imports). */
  createdPartitions: string[];
  createdMonths: number[];
  firstKeptMonth: number;
}

/**
 * Keeps the 24-month window: drops the quarterly partitions that fell out of it whole (cost
 * independent of the number of rows) and creates the coming month's partition ahead of the
 * imports.
 */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PurgeService.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: ReimbursementsConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.purge().catch((error: unknown) =>
        this.logger.warn({ msg: 'purge failed', error: String(error) }),
      );
    }, this.config.REIMBURSEMENTS_PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async purge(now: Date = new Date()): Promise<PurgeResult> {
    const window = careWindow(now);
    // One connection: the partition lock is a session advisory lock.
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const dropped = await dropPartitionsBefore(runner, window.startMonth);
      const created = await ensurePartitions(runner, [
        ...windowMonths(window),
        addMonthsToYyyymm(window.endMonth, 1),
      ]);
      const result: PurgeResult = {
        droppedPartitions: dropped.map(partitionName),
        droppedMonths: dropped.flatMap(monthsOfQuarter),
        createdPartitions: created.map(partitionName),
        createdMonths: created.flatMap(monthsOfQuarter),
        firstKeptMonth: window.startMonth,
      };
      if (dropped.length > 0)
        this.logger.log({
          msg: 'purged quarters out of the window',
          dropped: result.droppedPartitions,
        });
      return result;
    } finally {
      await runner.release();
    }
  }
}
