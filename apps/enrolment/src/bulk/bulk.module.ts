import { Module } from '@nestjs/common';
import { RecordsModule } from '../records/records.module';
import { BulkOpeningService } from './bulk-opening.service';
import { BulkOpeningWriter } from './bulk-opening.writer';
import { BulkPreparation } from './bulk-preparation';
import { BulkController } from './bulk.controller';

@Module({
  imports: [RecordsModule],
  controllers: [BulkController],
  providers: [BulkOpeningService, BulkOpeningWriter, BulkPreparation],
})
export class BulkModule {}
