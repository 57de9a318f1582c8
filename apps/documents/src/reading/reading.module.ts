import { Module } from '@nestjs/common';
import { SubmissionsModule } from '../submissions/submissions.module';
import { ReadingController } from './reading.controller';
import { ReadingService } from './reading.service';

@Module({
  imports: [SubmissionsModule],
  controllers: [ReadingController],
  providers: [ReadingService],
})
export class ReadingModule {}
