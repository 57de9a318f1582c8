import { Ins, Rpps } from '@dmp/domain';
import { ActorRef } from '../common/references';
import { IsIns, IsIsoDateTime, IsRpps, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** The patient lifted a block. */
export class ProfessionalUnblockedPayload {
  @IsIns()
  ins!: Ins;

  @IsRpps()
  rpps!: Rpps;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  unblockedAt!: string;
}

export const ProfessionalUnblockedEvent = defineEvent(Topics.PROFESSIONAL_UNBLOCKED, ProfessionalUnblockedPayload, (p) => p.ins);
