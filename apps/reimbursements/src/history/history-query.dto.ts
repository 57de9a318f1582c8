import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { AccessMode, CodingSystem } from '@dmp/domain';

export class HistoryQueryDto {
  @ApiPropertyOptional({
    description:
      'First care date (YYYY-MM-DD); default and floor: the start of the 24-month window',
  })
  @IsOptional()
  @Matches(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ description: 'Last care date (YYYY-MM-DD); default today' })
  @IsOptional()
  @Matches(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({ enum: CodingSystem })
  @IsOptional()
  @IsEnum(CodingSystem, {
    message: `codingSystem must be one of ${Object.values(CodingSystem).join(', ')}`,
  })
  codingSystem?: CodingSystem;

  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'page must be an integer' })
  @Min(1, { message: 'page must be at least 1' })
  @Max(10_000, { message: 'page must be at most 10000' })
  page?: number;

  @ApiPropertyOptional({ default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'pageSize must be an integer' })
  @Min(1, { message: 'pageSize must be between 1 and 500' })
  @Max(500, { message: 'pageSize must be between 1 and 500' })
  pageSize?: number;

  @ApiPropertyOptional({ enum: AccessMode, default: AccessMode.NORMAL })
  @IsOptional()
  @IsEnum(AccessMode, { message: `mode must be one of ${Object.values(AccessMode).join(', ')}` })
  mode?: AccessMode;

  @ApiPropertyOptional({ description: 'Why the glass is broken (emergency and SAMU modes)' })
  @IsOptional()
  @IsString()
  @Length(1, 500, { message: 'reason must be 1-500 characters' })
  reason?: string;
}

export interface HistoryLine {
  lineId: string;
  careDate: string;
  codingSystem: CodingSystem;
  code: string;
  label: string;
  quantity: number;
  prescriber: string | null;
  performer: string;
  chargedCents: number;
  reimbursedCents: number;
}

export interface MonthTotal {
  month: string;
  lines: number;
  chargedCents: number;
  reimbursedCents: number;
}

export interface HistoryPage {
  ins: string;
  from: string;
  to: string;
  page: number;
  pageSize: number;
  total: number;
  lines: HistoryLine[];
  months: MonthTotal[];
}
