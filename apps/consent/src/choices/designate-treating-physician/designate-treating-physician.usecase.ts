import { Injectable } from '@nestjs/common';
import { TreatingPhysicianDesignatedEvent, createEvent } from '@dmp/contracts';
import { Ins, Rpps } from '@dmp/domain';
import { ChoiceRecorder } from '../choice-recorder.service';
import { ConsentErrorCode, ConsentException } from '../../patients/consent.exception';
import { ConsentView } from '../../patients/consent-view';
import { actorRef } from '@dmp/auth';
import { eventOptions } from '../event-options';
import { DesignateTreatingPhysicianCommand } from './designate-treating-physician.command';

/** Designates the médecin traitant (full access, sees masked documents), replacing any previous one. */
@Injectable()
export class DesignateTreatingPhysicianUseCase {
  constructor(private readonly recorder: ChoiceRecorder) {}

  execute(command: DesignateTreatingPhysicianCommand): Promise<ConsentView> {
    return this.recorder.record(command, (patient) => {
      if (command.rpps !== null && patient.state.professionals[command.rpps]?.blocked) {
        throw new ConsentException(ConsentErrorCode.PROFESSIONAL_BLOCKED, undefined, [{ field: 'rpps', reason: 'this professional is blocked; unblock them first' }]);
      }
      return [
        createEvent(
          TreatingPhysicianDesignatedEvent,
          { ins: command.ins as Ins, rpps: command.rpps as Rpps | null, by: actorRef(command.actor), designatedAt: new Date().toISOString() },
          eventOptions(command),
        ),
      ];
    });
  }
}
