import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, ValidateNested } from 'class-validator';
import { Ins } from '@dmp/domain';
import { ActorRef, LegalRepresentative } from '../common/references';
import { IsIns, IsIsoDateTime } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** The full list of a dependant's representatives after the change (a state, so replays converge). */
export class RepresentativeChangedPayload {
  @IsIns()
  ins!: Ins;

  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => LegalRepresentative)
  legalRepresentatives!: LegalRepresentative[];

  @ValidateNested()
  @Type(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  changedAt!: string;
}

export const RepresentativeChangedEvent = defineEvent(Topics.REPRESENTATIVE_CHANGED, RepresentativeChangedPayload, (p) => p.ins);
