import { Ins } from '@dmp/domain';
import { ActorRef, EmergencyChoices } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** The patient's refusals of emergency and SAMU-regulation access, as they now are. */
export class EmergencyPreferencesChangedPayload {
  @IsIns()
  ins!: Ins;

  @NestedObject(() => EmergencyChoices)
  emergency!: EmergencyChoices;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  changedAt!: string;
}

export const EmergencyPreferencesChangedEvent = defineEvent(Topics.EMERGENCY_PREFERENCES_CHANGED, EmergencyPreferencesChangedPayload, (p) => p.ins);
