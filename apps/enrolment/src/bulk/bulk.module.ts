import { Module } from '@nestjs/common';
import { RecordsModule } from '../records/records.module';
import { BulkOpeningService } from './bulk-opening.service';
import { BulkController } from './bulk.controller';

@Module({
  imports: [RecordsModule],
  controllers: [BulkController],
  providers: [BulkOpeningService],
})
export class BulkModule {}
