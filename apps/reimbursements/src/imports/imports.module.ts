import { Module } from '@nestjs/common';
import { FileAnnouncedHandler } from './file-announced.handler';
import { ImportMetrics } from './import-metrics.service';
import { ImportQueueService } from './import-queue.service';
import { ImportsController } from './imports.controller';
import { PurgeService } from './purge.service';

@Module({
  controllers: [ImportsController],
  providers: [ImportQueueService, ImportMetrics, PurgeService, FileAnnouncedHandler],
  exports: [PurgeService, ImportQueueService],
})
export class ImportsModule {}
