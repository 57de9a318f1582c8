import { IsEnum, IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { ReimbursementFileKind } from '@dmp/domain';
import { IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

export enum FileImportStatus {
  COMPLETED = 'completed',
  /** Checksum or line count did not match, or the file was unreadable: nothing kept. */
  REFUSED = 'refused',
}

/** Lines of a file by outcome; read = imported + duplicates + rejected + unknownPatient + outOfWindow. */
export class FileImportCounts {
  @IsInt() @Min(0) read!: number;
  @IsInt() @Min(0) imported!: number;
  /** Already stored (same insurer line id): re-imports add nothing. */
  @IsInt() @Min(0) duplicates!: number;
  @IsInt() @Min(0) rejected!: number;
  /** For patients without an open DMP: counted, not stored. */
  @IsInt() @Min(0) unknownPatient!: number;
  @IsInt() @Min(0) outOfWindow!: number;
}

/** One summary per file (never one event per line). */
export class FileImportedPayload {
  @IsString()
  @Length(1, 128)
  fileId!: string;

  @IsEnum(ReimbursementFileKind)
  kind!: ReimbursementFileKind;

  @IsEnum(FileImportStatus)
  status!: FileImportStatus;

  @NestedObject(() => FileImportCounts)
  counts!: FileImportCounts;

  @IsOptional()
  @IsString()
  refusalReason?: string;

  @IsIsoDateTime()
  startedAt!: string;

  @IsIsoDateTime()
  completedAt!: string;
}

export const FileImportedEvent = defineEvent(Topics.FILE_IMPORTED, FileImportedPayload, (p) => p.fileId);
