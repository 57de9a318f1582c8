import { Ins } from '@dmp/domain';
import { ActorRef, LegalRepresentative } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** A legal representative now acts for a dependant's (minor's) record. Keyed by the dependant's INS. */
export class DependantAttachedPayload {
  /** The dependant's INS (the record concerned). */
  @IsIns()
  ins!: Ins;

  @NestedObject(() => LegalRepresentative)
  representative!: LegalRepresentative;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  attachedAt!: string;
}

export const DependantAttachedEvent = defineEvent(Topics.DEPENDANT_ATTACHED, DependantAttachedPayload, (p) => p.ins);
