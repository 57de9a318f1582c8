import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { PatientsModule } from '../patients/patients.module';
import { ListTraceUseCase } from './list-trace/list-trace.usecase';
import { PurgeTraceUseCase } from './purge-trace/purge-trace.usecase';
import { TraceAccessEventsHandler } from './trace-access-events.handler';
import { TraceController } from './trace.controller';

@Module({
  imports: [PatientsModule, NotificationsModule],
  controllers: [TraceController],
  providers: [TraceAccessEventsHandler, ListTraceUseCase, PurgeTraceUseCase],
})
export class TraceModule {}
