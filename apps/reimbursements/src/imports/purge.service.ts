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
import { dropPartitionsBefore, ensurePartitions } from '../import/partitions';

export interface PurgeResult {
  droppedMonths: number[];
  createdMonths: number[];
  firstKeptMonth: number;
}

/**
 * Keeps the 24-month window: drops the monthly partitions that fell out of it (cost independent
 * of the number of rows) and creates the coming month's partition ahead of the imports.
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
      const droppedMonths = await dropPartitionsBefore(runner, window.startMonth);
      const createdMonths = await ensurePartitions(runner, [
        ...windowMonths(window),
        addMonthsToYyyymm(window.endMonth, 1),
      ]);
      if (droppedMonths.length > 0)
        this.logger.log({ msg: 'purged months out of the window', droppedMonths });
      return { droppedMonths, createdMonths, firstKeptMonth: window.startMonth };
    } finally {
      await runner.release();
    }
  }
}
