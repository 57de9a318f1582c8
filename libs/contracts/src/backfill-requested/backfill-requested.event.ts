import { IsIn, IsUUID } from 'class-validator';
import { Ins, IsoDate } from '@dmp/domain';
import { IsIns, IsIsoDate, IsIsoDateTime } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

export enum BackfillTrigger {
  RECORD_OPENED = 'record-opened',
  RECORD_REACTIVATED = 'record-reactivated',
}

/** Asks the insurer's pipeline for a patient's history over [from, to] (24 months). */
export class BackfillRequestedPayload {
  @IsUUID('4')
  requestId!: string;

  @IsIns()
  ins!: Ins;

  @IsIsoDate()
  from!: IsoDate;

  @IsIsoDate()
  to!: IsoDate;

  @IsIn(Object.values(BackfillTrigger))
  trigger!: BackfillTrigger;

  @IsIsoDateTime()
  requestedAt!: string;
}

export const BackfillRequestedEvent = defineEvent(Topics.BACKFILL_REQUESTS, BackfillRequestedPayload, (p) => p.ins);
