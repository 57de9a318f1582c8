import { Injectable } from '@nestjs/common';
import { AuthorisationRevokedEvent, GranteeKind, ProfessionalBlockedEvent, TreatingPhysicianDesignatedEvent, createEvent } from '@dmp/contracts';
import { EventEnvelope } from '@dmp/contracts';
import { Ins, Rpps } from '@dmp/domain';
import { ChoiceRecorder } from '../choice-recorder.service';
import { ConsentView } from '../../patients/consent-view';
import { actorRef } from '@dmp/auth';
import { eventOptions } from '../event-options';
import { BlockProfessionalCommand } from './block-professional.command';

/**
 * Blocks a named professional: refused in every mode, even through an authorised establishment.
 * A block also withdraws their authorisation and, if they were the treating physician, that
 * designation: lifting the block later restores nothing by itself.
 */
@Injectable()
export class BlockProfessionalUseCase {
  constructor(private readonly recorder: ChoiceRecorder) {}

  execute(command: BlockProfessionalCommand): Promise<ConsentView> {
    return this.recorder.record(command, (patient) => {
      const now = new Date().toISOString();
      const by = actorRef(command.actor);
      const ins = command.ins as Ins;
      const rpps = command.rpps as Rpps;
      const events: EventEnvelope<unknown>[] = [createEvent(ProfessionalBlockedEvent, { ins, rpps, by, blockedAt: now }, eventOptions(command))];
      if (patient.state.professionals[rpps]?.authorised) {
        events.push(createEvent(AuthorisationRevokedEvent, { ins, grantee: { kind: GranteeKind.PROFESSIONAL, rpps }, by, revokedAt: now }, eventOptions(command)));
      }
      if (patient.state.treatingPhysician.rpps === rpps) {
        events.push(createEvent(TreatingPhysicianDesignatedEvent, { ins, rpps: null, by, designatedAt: now }, eventOptions(command)));
      }
      return events;
    });
  }
}
