import { Ins, Rpps } from '@dmp/domain';
import { ActorRef } from '../common/references';
import { IsIns, IsIsoDateTime, IsRpps, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** The patient blocked a named professional: refused even with an establishment's access. */
export class ProfessionalBlockedPayload {
  @IsIns()
  ins!: Ins;

  @IsRpps()
  rpps!: Rpps;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  blockedAt!: string;
}

export const ProfessionalBlockedEvent = defineEvent(Topics.PROFESSIONAL_BLOCKED, ProfessionalBlockedPayload, (p) => p.ins);
