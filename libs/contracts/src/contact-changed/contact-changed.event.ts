import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import { Ins } from '@dmp/domain';
import { ActorRef, Contacts } from '../common/references';
import { IsIns, IsIsoDateTime } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** The patient's contacts after the change (both fields as they now are). */
export class ContactChangedPayload {
  @IsIns()
  ins!: Ins;

  @ValidateNested()
  @Type(() => Contacts)
  contacts!: Contacts;

  @ValidateNested()
  @Type(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  changedAt!: string;
}

export const ContactChangedEvent = defineEvent(Topics.CONTACT_CHANGED, ContactChangedPayload, (p) => p.ins);
