import { Injectable } from '@nestjs/common';
import { ProfessionalUnblockedEvent, createEvent } from '@dmp/contracts';
import { Ins, Rpps } from '@dmp/domain';
import { ChoiceRecorder } from '../choice-recorder.service';
import { ConsentView } from '../../patients/consent-view';
import { actorRef } from '@dmp/auth';
import { eventOptions } from '../event-options';
import { UnblockProfessionalCommand } from './unblock-professional.command';

/** Lifts a block (the professional is then neither blocked nor authorised). Idempotent. */
@Injectable()
export class UnblockProfessionalUseCase {
  constructor(private readonly recorder: ChoiceRecorder) {}

  execute(command: UnblockProfessionalCommand): Promise<ConsentView> {
    return this.recorder.record(command, () => [
      createEvent(ProfessionalUnblockedEvent, { ins: command.ins as Ins, rpps: command.rpps as Rpps, by: actorRef(command.actor), unblockedAt: new Date().toISOString() }, eventOptions(command)),
    ]);
  }
}
