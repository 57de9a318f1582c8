import { IsEnum } from 'class-validator';
import { ClosureReason, Ins, IsoDate } from '@dmp/domain';
import { ActorRef } from '../common/references';
import { IsIns, IsIsoDate, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** The record is kept, not erased: a closed record can be reactivated. */
export class RecordClosedPayload {
  @IsIns()
  ins!: Ins;

  @IsEnum(ClosureReason)
  reason!: ClosureReason;

  /** The date the closure takes effect (the date of death, or of the patient's request). */
  @IsIsoDate()
  effectiveDate!: IsoDate;

  @IsIsoDateTime()
  closedAt!: string;

  @NestedObject(() => ActorRef)
  by!: ActorRef;
}

export const RecordClosedEvent = defineEvent(Topics.RECORD_CLOSED, RecordClosedPayload, (p) => p.ins);
