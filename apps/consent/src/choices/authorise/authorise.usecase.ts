import { Injectable } from '@nestjs/common';
import { GranteeKind, ProfessionalAuthorisedEvent, createEvent } from '@dmp/contracts';
import { Finess, Ins, Rpps } from '@dmp/domain';
import { ChoiceRecorder } from '../choice-recorder.service';
import { ConsentErrorCode, ConsentException } from '../../patients/consent.exception';
import { ConsentView } from '../../patients/consent-view';
import { actorRef } from '@dmp/auth';
import { eventOptions } from '../event-options';
import { AuthoriseCommand } from './authorise.command';

/** Authorises a professional (RPPS) or an establishment (FINESS) to read the record. */
@Injectable()
export class AuthoriseUseCase {
  constructor(private readonly recorder: ChoiceRecorder) {}

  execute(command: AuthoriseCommand): Promise<ConsentView> {
    return this.recorder.record(command, (patient) => {
      const { grantee } = command;
      if (grantee.kind === 'professional' && patient.state.professionals[grantee.rpps]?.blocked) {
        throw new ConsentException(ConsentErrorCode.PROFESSIONAL_BLOCKED, undefined, [{ field: 'rpps', reason: 'this professional is blocked; unblock them first' }]);
      }
      return [
        createEvent(
          ProfessionalAuthorisedEvent,
          {
            ins: command.ins as Ins,
            grantee: grantee.kind === 'professional' ? { kind: GranteeKind.PROFESSIONAL, rpps: grantee.rpps as Rpps } : { kind: GranteeKind.ESTABLISHMENT, finess: grantee.finess as Finess },
            by: actorRef(command.actor),
            authorisedAt: new Date().toISOString(),
          },
          eventOptions(command),
        ),
      ];
    });
  }
}
