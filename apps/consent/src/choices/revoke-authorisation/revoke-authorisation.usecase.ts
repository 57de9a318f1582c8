import { Injectable } from '@nestjs/common';
import { AuthorisationRevokedEvent, GranteeKind, createEvent } from '@dmp/contracts';
import { Finess, Ins, Rpps } from '@dmp/domain';
import { ChoiceRecorder } from '../choice-recorder.service';
import { ConsentView } from '../../patients/consent-view';
import { actorRef } from '@dmp/auth';
import { eventOptions } from '../event-options';
import { RevokeAuthorisationCommand } from './revoke-authorisation.command';

/** Withdraws an authorisation; documents and reimbursements refuse from the next read on. Idempotent. */
@Injectable()
export class RevokeAuthorisationUseCase {
  constructor(private readonly recorder: ChoiceRecorder) {}

  execute(command: RevokeAuthorisationCommand): Promise<ConsentView> {
    return this.recorder.record(command, () => [
      createEvent(
        AuthorisationRevokedEvent,
        {
          ins: command.ins as Ins,
          grantee:
            command.grantee.kind === 'professional'
              ? { kind: GranteeKind.PROFESSIONAL, rpps: command.grantee.rpps as Rpps }
              : { kind: GranteeKind.ESTABLISHMENT, finess: command.grantee.finess as Finess },
          by: actorRef(command.actor),
          revokedAt: new Date().toISOString(),
        },
        eventOptions(command),
      ),
    ]);
  }
}
