import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import { Ins } from '@dmp/domain';
import { ActorRef, EmergencyChoices } from '../common/references';
import { IsIns, IsIsoDateTime } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** The patient's refusals of emergency and SAMU-regulation access, as they now are. */
export class EmergencyPreferencesChangedPayload {
  @IsIns()
  ins!: Ins;

  @ValidateNested()
  @Type(() => EmergencyChoices)
  emergency!: EmergencyChoices;

  @ValidateNested()
  @Type(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  changedAt!: string;
}

export const EmergencyPreferencesChangedEvent = defineEvent(Topics.EMERGENCY_PREFERENCES_CHANGED, EmergencyPreferencesChangedPayload, (p) => p.ins);
