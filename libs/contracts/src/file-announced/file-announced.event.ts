import { IsEnum, IsInt, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
import { IsoDate, ReimbursementFileKind } from '@dmp/domain';
import { SHA256_HEX } from '../common/references';
import { IsIsoDate, IsIsoDateTime } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** The insurer's pipeline announces a file ready to import (inbound control topic). */
export class FileAnnouncedPayload {
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { message: 'fileId must be 1-128 letters, digits, dots, dashes or underscores' })
  fileId!: string;

  @IsEnum(ReimbursementFileKind)
  kind!: ReimbursementFileKind;

  /** Where to read it: a path under the drop folder or a URL (file:, http(s):, s3:). */
  @IsString()
  @Length(1, 2000)
  location!: string;

  /** SHA-256 of the file as stored (compressed if gzip). */
  @Matches(SHA256_HEX, { message: 'sha256 must be 64 lower-case hexadecimal characters' })
  sha256!: string;

  /** Data lines (header excluded); a mismatch refuses the file whole. */
  @IsInt()
  @Min(0)
  lineCount!: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  sizeBytes?: number;

  @IsOptional()
  @IsIsoDate()
  periodStart?: IsoDate;

  @IsOptional()
  @IsIsoDate()
  periodEnd?: IsoDate;

  @IsOptional()
  @IsString()
  @Length(1, 20)
  formatVersion?: string;

  @IsOptional()
  @IsIsoDateTime()
  announcedAt?: string;
}

export const FileAnnouncedEvent = defineEvent(Topics.FILE_ANNOUNCEMENTS, FileAnnouncedPayload, (p) => p.fileId);
