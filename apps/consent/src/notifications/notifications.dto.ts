import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { LimitQuery } from '../common/limit-query.dto';

export class MailboxQuery extends LimitQuery {
  @ApiProperty({ description: 'E-mail address, mobile number or INS (in-app)' })
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  recipient!: string;
}

export class NotificationView {
  @ApiProperty() id!: string;
  @ApiProperty() ins!: string;
  @ApiProperty({ enum: ['record-opened', 'first-access', 'emergency-access', 'new-document'] }) trigger!: string;
  @ApiProperty() dedupKey!: string;
  @ApiProperty({ enum: ['email', 'sms', 'in-app'] }) channel!: string;
  @ApiProperty() recipient!: string;
  @ApiProperty() subject!: string;
  @ApiProperty({ enum: ['pending', 'sent', 'failed'], description: 'Delivery status' }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({ nullable: true }) lastError!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true }) sentAt!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Next attempt while pending' }) nextAttemptAt!: string | null;
}

export class MailboxMessageView {
  @ApiProperty() notificationId!: string;
  @ApiProperty() ins!: string;
  @ApiProperty() channel!: string;
  @ApiProperty() recipient!: string;
  @ApiProperty() subject!: string;
  @ApiProperty() body!: string;
  @ApiProperty() deliveredAt!: string;
}
