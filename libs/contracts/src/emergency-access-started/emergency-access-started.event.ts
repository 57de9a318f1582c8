import { IsIn, IsString, IsUUID, Length } from 'class-validator';
import { AccessMode, Ins } from '@dmp/domain';
import { AccessorRef } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** A professional broke the glass (or a SAMU regulator opened the record); it expires on its own. */
export class EmergencyAccessStartedPayload {
  @IsUUID('4')
  emergencyAccessId!: string;

  @IsIns()
  ins!: Ins;

  @NestedObject(() => AccessorRef)
  accessor!: AccessorRef;

  @IsIn([AccessMode.EMERGENCY, AccessMode.SAMU_REGULATION])
  mode!: AccessMode.EMERGENCY | AccessMode.SAMU_REGULATION;

  @IsString()
  @Length(1, 500)
  reason!: string;

  @IsIsoDateTime()
  startedAt!: string;

  @IsIsoDateTime()
  expiresAt!: string;
}

export const EmergencyAccessStartedEvent = defineEvent(Topics.EMERGENCY_ACCESS_STARTED, EmergencyAccessStartedPayload, (p) => p.ins);
