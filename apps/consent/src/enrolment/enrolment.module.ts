import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { PatientsModule } from '../patients/patients.module';
import { EnrolmentEventsHandler } from './enrolment-events.handler';

@Module({
  imports: [PatientsModule, NotificationsModule],
  providers: [EnrolmentEventsHandler],
})
export class EnrolmentModule {}
