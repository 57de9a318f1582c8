import { Ins } from '@dmp/domain';
import { ActorRef, IdentityTraits } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** Identity traits that changed (absent fields did not change). The INS itself never changes here. */
export class IdentityChangedPayload {
  @IsIns()
  ins!: Ins;

  @NestedObject(() => IdentityTraits)
  identity!: IdentityTraits;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  changedAt!: string;
}

export const IdentityChangedEvent = defineEvent(Topics.IDENTITY_CHANGED, IdentityChangedPayload, (p) => p.ins);
