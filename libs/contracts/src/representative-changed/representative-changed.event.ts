import { ArrayMaxSize, IsArray } from 'class-validator';
import { Ins } from '@dmp/domain';
import { ActorRef, LegalRepresentative } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject, NestedObjects } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** The full list of a dependant's representatives after the change (a state, so replays converge). */
export class RepresentativeChangedPayload {
  @IsIns()
  ins!: Ins;

  @IsArray()
  @ArrayMaxSize(10)
  @NestedObjects(() => LegalRepresentative)
  legalRepresentatives!: LegalRepresentative[];

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  changedAt!: string;
}

export const RepresentativeChangedEvent = defineEvent(Topics.REPRESENTATIVE_CHANGED, RepresentativeChangedPayload, (p) => p.ins);
