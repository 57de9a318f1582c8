import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsIn, IsOptional } from 'class-validator';
import { OpeningChannel } from '@dmp/domain';
import { IsCpamCode, IsIsoDate } from '@dmp/contracts';

export class FiguresQueryDto {
  @ApiPropertyOptional({ enum: ['day', 'week', 'month'], default: 'week' })
  @IsOptional()
  @IsIn(['day', 'week', 'month'], { message: 'period must be day, week or month' })
  period?: 'day' | 'week' | 'month';

  @ApiPropertyOptional({ description: 'CPAM office code (3 digits)' })
  @IsOptional()
  @IsCpamCode()
  cpam?: string;

  @ApiPropertyOptional({ enum: OpeningChannel })
  @IsOptional()
  @IsEnum(OpeningChannel, { message: `channel must be one of ${Object.values(OpeningChannel).join(', ')}` })
  channel?: OpeningChannel;

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
