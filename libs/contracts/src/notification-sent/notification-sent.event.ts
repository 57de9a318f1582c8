import { IsEnum, IsString, IsUUID, Length } from 'class-validator';
import { Ins, NotificationChannel, NotificationTrigger } from '@dmp/domain';
import { IsIns, IsIsoDateTime } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

export class NotificationSentPayload {
  @IsUUID('4')
  notificationId!: string;

  @IsIns()
  ins!: Ins;

  @IsEnum(NotificationTrigger)
  trigger!: NotificationTrigger;

  @IsEnum(NotificationChannel)
  channel!: NotificationChannel;

  /** One notification per trigger: 'first-access:<ins>:<rpps>', 'emergency-access:<accessId>'... */
  @IsString()
  @Length(1, 200)
  dedupKey!: string;

  @IsIsoDateTime()
  sentAt!: string;
}

export const NotificationSentEvent = defineEvent(Topics.NOTIFICATION_SENT, NotificationSentPayload, (p) => p.ins);
