import { Ins } from '@dmp/domain';
import { ActorRef, ConsentRecord } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

export class RecordReactivatedPayload {
  @IsIns()
  ins!: Ins;

  /** Reactivation needs a fresh recorded consent. */
  @NestedObject(() => ConsentRecord)
  consent!: ConsentRecord;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  reactivatedAt!: string;
}

export const RecordReactivatedEvent = defineEvent(Topics.RECORD_REACTIVATED, RecordReactivatedPayload, (p) => p.ins);
