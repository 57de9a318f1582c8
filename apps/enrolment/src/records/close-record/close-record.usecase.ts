import { Injectable } from '@nestjs/common';
import { Actor, actorId } from '@dmp/auth';
import { ClosureReason, toIsoDate } from '@dmp/domain';
import { mayCloseFor } from '../record-access.policy';
import { recordClosed } from '../record-events';
import { RecordEntity } from '../record.entity';
import { RecordErrorCode, RecordException } from '../record.exception';
import { RecordStore } from '../record-store';

export interface CloseRecordCommand {
  actor: Actor;
  ins: string;
  reason: ClosureReason;
  date: string;
  correlationId: string;
}

/** Closes a record (patient's request, death, administrative): kept with its reason and date, never erased. */
@Injectable()
export class CloseRecordUseCase {
  constructor(private readonly store: RecordStore) {}

  async execute(command: CloseRecordCommand): Promise<RecordEntity> {
    if (!mayCloseFor(command.actor, command.reason)) {
      throw new RecordException(RecordErrorCode.FORBIDDEN_FOR_ACTOR, `a ${command.actor.role} may not record a closure for reason ${command.reason}`);
    }
    const now = new Date();
    if (command.date > toIsoDate(now)) throw RecordException.validation([{ field: 'date', reason: `closure date ${command.date} is in the future` }]);
    return this.store.change(command.actor, command.ins, (record) => {
      if (record.status === 'closed') {
        throw new RecordException(RecordErrorCode.RECORD_ALREADY_CLOSED, `the record was already closed on ${record.closureDate} (${record.closureReason})`, [], {
          closedAt: record.closedAt?.toISOString(),
          closureReason: record.closureReason,
          closureDate: record.closureDate,
        });
      }
      const by = { role: command.actor.role, id: actorId(command.actor) };
      return {
        changes: { status: 'closed', closedAt: now, closureReason: command.reason, closureDate: command.date, closedBy: `${by.role}:${by.id}` },
        events: (updated) => [recordClosed(updated, { by, at: now, correlationId: command.correlationId })],
      };
    });
  }
}
