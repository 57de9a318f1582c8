import { Injectable } from '@nestjs/common';
import { Actor, actorId } from '@dmp/auth';
import { Ins, isMinorOn, majorityDate, toIsoDate } from '@dmp/domain';
import { transferredAtMajority } from '../record-events';
import { RecordEntity } from '../record.entity';
import { RecordErrorCode, RecordException } from '../record.exception';
import { RecordStore } from '../record-store';

export interface TransferAtMajorityCommand {
  actor: Actor;
  ins: string;
  correlationId: string;
}

/**
 * A minor's record passes to the person at 18: the representatives lose their rights at once
 * (they are removed from the record, which is what the record-level checks read).
 */
@Injectable()
export class TransferAtMajorityUseCase {
  constructor(private readonly store: RecordStore) {}

  async execute(command: TransferAtMajorityCommand): Promise<RecordEntity> {
    const now = new Date();
    return this.store.change(command.actor, command.ins, (record) => {
      if (record.legalRepresentatives.length === 0) {
        throw new RecordException(RecordErrorCode.NOT_A_DEPENDANT, 'the record has no legal representative: it already belongs to the person');
      }
      if (isMinorOn(record.birthDate, toIsoDate(now))) {
        throw new RecordException(RecordErrorCode.NOT_YET_OF_AGE, `the patient comes of age on ${majorityDate(record.birthDate)}`);
      }
      const former = record.legalRepresentatives.map((r) => r.ins as Ins);
      return {
        changes: { legalRepresentatives: [] },
        events: (updated) => [transferredAtMajority(updated, former, { by: { role: command.actor.role, id: actorId(command.actor) }, at: now, correlationId: command.correlationId })],
      };
    });
  }
}
