import { Ins } from '@dmp/domain';
import { ActorRef, Contacts } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** The patient's contacts after the change (both fields as they now are). */
export class ContactChangedPayload {
  @IsIns()
  ins!: Ins;

  @NestedObject(() => Contacts)
  contacts!: Contacts;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  changedAt!: string;
}

export const ContactChangedEvent = defineEvent(Topics.CONTACT_CHANGED, ContactChangedPayload, (p) => p.ins);
