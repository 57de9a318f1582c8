import { Ins } from '@dmp/domain';
import { Grantee } from '../common/grantee';
import { ActorRef } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** The patient (or a representative) authorised a professional or an establishment to read the record. */
export class ProfessionalAuthorisedPayload {
  @IsIns()
  ins!: Ins;

  @NestedObject(() => Grantee)
  grantee!: Grantee;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  authorisedAt!: string;
}

export const ProfessionalAuthorisedEvent = defineEvent(Topics.PROFESSIONAL_AUTHORISED, ProfessionalAuthorisedPayload, (p) => p.ins);
