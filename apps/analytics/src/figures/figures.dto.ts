import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional } from 'class-validator';
import { OpeningChannel } from '@dmp/domain';
import { IsCpamCode } from '@dmp/contracts';
import { PeriodQueryDto } from './activity-figures.dto';

/** The enrolment figures: a period, the days covered and the format, by CPAM and channel. */
export class FiguresQueryDto extends PeriodQueryDto {
  @ApiPropertyOptional({ description: 'CPAM office code (3 digits)' })
  @IsOptional()
  @IsCpamCode()
  cpam?: string;

  @ApiPropertyOptional({ enum: OpeningChannel })
  @IsOptional()
  @IsEnum(OpeningChannel, { message: `channel must be one of ${Object.values(OpeningChannel).join(', ')}` })
  channel?: OpeningChannel;
}
