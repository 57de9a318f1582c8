import { Injectable } from '@nestjs/common';
import { Actor, actorId } from '@dmp/auth';
import { ClosureReason, Ins } from '@dmp/domain';
import { ConsentDto } from '../dto/open-record.dto';
import { openerOf } from '../opener';
import { recordReactivated } from '../record-events';
import { RecordEntity } from '../record.entity';
import { RecordErrorCode, RecordException } from '../record.exception';
import { RecordStore } from '../record-store';

export interface ReactivateRecordCommand {
  actor: Actor;
  ins: string;
  consent: ConsentDto;
  correlationId: string;
}

/** Reopens a closed record; needs a new recorded consent (it replaces the opening one). */
@Injectable()
export class ReactivateRecordUseCase {
  constructor(private readonly store: RecordStore) {}

  async execute(command: ReactivateRecordCommand): Promise<RecordEntity> {
    const now = new Date();
    const consentAt = new Date(command.consent.at);
    if (consentAt.getTime() > now.getTime() + 5 * 60_000) {
      throw RecordException.validation([{ field: 'consent.at', reason: `consent time ${command.consent.at} is in the future` }]);
    }
    return this.store.change(command.actor, command.ins, (record) => {
      if (record.status === 'open') throw new RecordException(RecordErrorCode.RECORD_NOT_CLOSED, 'the record is open: there is nothing to reactivate');
      if (record.closureReason === ClosureReason.DEATH) {
        throw new RecordException(RecordErrorCode.RECORD_CLOSED_BY_DEATH, `the record was closed on the patient's death (${record.closureDate}); it cannot be reactivated`);
      }
      const givenBy = (command.consent.givenBy?.replace(/\s+/g, '').toUpperCase() ?? record.ins) as Ins;
      if (givenBy !== record.ins && !record.legalRepresentatives.some((r) => r.ins === givenBy)) {
        throw RecordException.validation([{ field: 'consent.givenBy', reason: 'consent must be given by the patient or one of their legal representatives' }]);
      }
      const opener = openerOf(command.actor);
      const by = { role: command.actor.role, id: actorId(command.actor) };
      return {
        changes: {
          status: 'open',
          closedAt: null,
          closureReason: null,
          closureDate: null,
          closedBy: null,
          reactivatedAt: now,
          consentGivenBy: givenBy,
          consentAt,
          consentPlace: command.consent.place?.trim() || opener?.defaultPlace || `${by.role} ${by.id}`,
          consentChannel: opener?.channel ?? record.consentChannel,
        },
        events: (updated) => [recordReactivated(updated, { by, at: now, correlationId: command.correlationId })],
      };
    });
  }
}
