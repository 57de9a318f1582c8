import { Injectable } from '@nestjs/common';
import { EmergencyPreferencesChangedEvent, createEvent } from '@dmp/contracts';
import { Ins } from '@dmp/domain';
import { ChoiceRecorder } from '../choice-recorder.service';
import { ConsentView } from '../../patients/consent-view';
import { actorRef } from '@dmp/auth';
import { eventOptions } from '../event-options';
import { ChangeEmergencyPreferencesCommand } from './change-emergency-preferences.command';

/** Refuses (or allows again) emergency access and SAMU-regulation access, each on its own. */
@Injectable()
export class ChangeEmergencyPreferencesUseCase {
  constructor(private readonly recorder: ChoiceRecorder) {}

  execute(command: ChangeEmergencyPreferencesCommand): Promise<ConsentView> {
    return this.recorder.record(command, () => [
      createEvent(
        EmergencyPreferencesChangedEvent,
        {
          ins: command.ins as Ins,
          emergency: { emergencyAccess: command.emergencyAccess, samuRegulationAccess: command.samuRegulationAccess },
          by: actorRef(command.actor),
          changedAt: new Date().toISOString(),
        },
        eventOptions(command),
      ),
    ]);
  }
}
