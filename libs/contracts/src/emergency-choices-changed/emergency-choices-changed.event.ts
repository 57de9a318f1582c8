import { Ins } from '@dmp/domain';
import { ActorRef, EmergencyChoices } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** Emergency choices changed through enrolment (the consent service emits its own equivalent). */
export class EmergencyChoicesChangedPayload {
  @IsIns()
  ins!: Ins;

  @NestedObject(() => EmergencyChoices)
  emergency!: EmergencyChoices;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  changedAt!: string;
}

export const EmergencyChoicesChangedEvent = defineEvent(Topics.EMERGENCY_CHOICES_CHANGED, EmergencyChoicesChangedPayload, (p) => p.ins);
