import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsIn, IsOptional } from 'class-validator';
import { DocumentType, NotificationChannel, NotificationTrigger, SourceCategory } from '@dmp/domain';
import { IsCpamCode, IsIsoDate } from '@dmp/contracts';

const enumMessage = (name: string, values: object): string => `${name} must be one of ${Object.values(values).join(', ')}`;

/** Filters shared by the activity figures: the days covered and the output format. */
class DaysAndFormatDto {
  @ApiPropertyOptional({ description: 'first day included (YYYY-MM-DD, Paris time)' })
  @IsOptional()
  @IsIsoDate()
  from?: string;

  @ApiPropertyOptional({ description: 'last day included (YYYY-MM-DD, Paris time)' })
  @IsOptional()
  @IsIsoDate()
  to?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'], { message: 'format must be json or csv' })
  format?: 'json' | 'csv';
}

/** Flows (documents, notifications, reimbursement lines): by day, week or month. */
export class PeriodQueryDto extends DaysAndFormatDto {
  @ApiPropertyOptional({ enum: ['day', 'week', 'month'], default: 'week' })
  @IsOptional()
  @IsIn(['day', 'week', 'month'], { message: 'period must be day, week or month' })
  period?: 'day' | 'week' | 'month';
}

/** Distinct counts (who did it at least once in the period); `all` counts since the start. */
export class DistinctQueryDto extends DaysAndFormatDto {
  @ApiPropertyOptional({ enum: ['day', 'week', 'month', 'all'], default: 'week' })
  @IsOptional()
  @IsIn(['day', 'week', 'month', 'all'], { message: 'period must be day, week, month or all' })
  period?: 'day' | 'week' | 'month' | 'all';
}

export class PatientsAddingQueryDto extends DistinctQueryDto {
  @ApiPropertyOptional({ description: "the patients' CPAM office (3 digits)" })
  @IsOptional()
  @IsCpamCode()
  cpam?: string;
}

export class DocumentsQueryDto extends PeriodQueryDto {
  @ApiPropertyOptional({ description: "the patients' CPAM office (3 digits)" })
  @IsOptional()
  @IsCpamCode()
  cpam?: string;

  @ApiPropertyOptional({ enum: SourceCategory })
  @IsOptional()
  @IsEnum(SourceCategory, { message: enumMessage('source', SourceCategory) })
  source?: SourceCategory;

  @ApiPropertyOptional({ enum: DocumentType })
  @IsOptional()
  @IsEnum(DocumentType, { message: enumMessage('type', DocumentType) })
  type?: DocumentType;
}

export class NotificationsQueryDto extends PeriodQueryDto {
  @ApiPropertyOptional({ description: "the patients' CPAM office (3 digits)" })
  @IsOptional()
  @IsCpamCode()
  cpam?: string;

  @ApiPropertyOptional({ enum: NotificationChannel })
  @IsOptional()
  @IsEnum(NotificationChannel, { message: enumMessage('channel', NotificationChannel) })
  channel?: NotificationChannel;

  @ApiPropertyOptional({ enum: NotificationTrigger })
  @IsOptional()
  @IsEnum(NotificationTrigger, { message: enumMessage('trigger', NotificationTrigger) })
  trigger?: NotificationTrigger;
}
