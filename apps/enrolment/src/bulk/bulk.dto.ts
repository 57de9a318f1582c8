import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { BulkFormat, BulkJobEntity } from './bulk-job.entity';

export class CreateBulkJobDto {
  @ApiProperty({ enum: ['ndjson', 'csv'] })
  @IsIn(['ndjson', 'csv'], { message: 'format must be ndjson or csv' })
  format!: BulkFormat;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  fileName?: string;

  @ApiPropertyOptional({ description: 'Number of data rows, when known: turns progress into a percentage.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  expectedRows?: number;
}

export class BulkJobView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['created', 'running', 'completed', 'failed'] }) status!: string;
  @ApiProperty() format!: string;
  @ApiPropertyOptional() fileName!: string | null;
  @ApiPropertyOptional() expectedRows!: number | null;
  @ApiProperty() rowsProcessed!: number;
  @ApiProperty() opened!: number;
  @ApiProperty() alreadyOpened!: number;
  @ApiProperty() conflicts!: number;
  @ApiProperty() rejected!: number;
  @ApiPropertyOptional() progress!: number | null;
  @ApiPropertyOptional() failure!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional() startedAt!: string | null;
  @ApiPropertyOptional() finishedAt!: string | null;
  @ApiPropertyOptional({ description: 'Rows per second since the upload started.' }) rowsPerSecond!: number | null;
}

export function toBulkJobView(job: BulkJobEntity): BulkJobView {
  const end = job.finishedAt ?? new Date();
  const seconds = job.startedAt ? (end.getTime() - job.startedAt.getTime()) / 1000 : 0;
  return {
    id: job.id,
    status: job.status,
    format: job.format,
    fileName: job.fileName,
    expectedRows: job.expectedRows,
    rowsProcessed: job.rowsProcessed,
    opened: job.opened,
    alreadyOpened: job.alreadyOpened,
    conflicts: job.conflicts,
    rejected: job.rejected,
    progress: job.status === 'completed' ? 1 : job.expectedRows ? Math.min(1, job.rowsProcessed / job.expectedRows) : null,
    failure: job.failure,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt ? job.startedAt.toISOString() : null,
    finishedAt: job.finishedAt ? job.finishedAt.toISOString() : null,
    rowsPerSecond: seconds > 0 ? Math.round(job.rowsProcessed / seconds) : null,
  };
}
