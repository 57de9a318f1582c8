import { ArrayUnique, IsArray, IsBoolean, IsEnum, IsOptional } from 'class-validator';
import { Ins, NotificationChannel } from '@dmp/domain';
import { ActorRef, Contacts } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

export class NotificationPreferencesChangedPayload {
  @IsIns()
  ins!: Ins;

  /** Where to notify; empty means in-app only. */
  @IsArray()
  @ArrayUnique()
  @IsEnum(NotificationChannel, { each: true })
  channels!: NotificationChannel[];

  @IsBoolean()
  notifyOnNewDocument!: boolean;

  @IsOptional()
  @NestedObject(() => Contacts)
  contacts?: Contacts;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  changedAt!: string;
}

export const NotificationPreferencesChangedEvent = defineEvent(Topics.NOTIFICATION_PREFERENCES_CHANGED, NotificationPreferencesChangedPayload, (p) => p.ins);
