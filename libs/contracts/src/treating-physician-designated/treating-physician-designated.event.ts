import { ValidateIf } from 'class-validator';
import { Ins, Rpps } from '@dmp/domain';
import { ActorRef } from '../common/references';
import { IsIns, IsIsoDateTime, IsRpps, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** The médecin traitant (full access, sees masked documents). Replaces any previous one. */
export class TreatingPhysicianDesignatedPayload {
  @IsIns()
  ins!: Ins;

  /** null when the patient no longer has a treating physician. */
  @ValidateIf((o: TreatingPhysicianDesignatedPayload) => o.rpps !== null)
  @IsRpps()
  rpps!: Rpps | null;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  designatedAt!: string;
}

export const TreatingPhysicianDesignatedEvent = defineEvent(Topics.TREATING_PHYSICIAN_DESIGNATED, TreatingPhysicianDesignatedPayload, (p) => p.ins);
