import { Module } from '@nestjs/common';
import { ConsentStateStore } from './consent-state.store';
import { PatientEventsHandler } from './patient-events.handler';

@Module({
  providers: [PatientEventsHandler, ConsentStateStore],
  exports: [ConsentStateStore],
})
export class PatientsModule {}
