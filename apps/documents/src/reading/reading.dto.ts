import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsEnum, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { AccessMode, DocumentType } from '@dmp/domain';

export class AccessQuery {
  @ApiPropertyOptional({ enum: AccessMode })
  @IsOptional()
  @IsEnum(AccessMode)
  mode?: AccessMode;

  /** Required in emergency and SAMU-regulation modes. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class ListDocumentsQuery extends AccessQuery {
  @ApiPropertyOptional({ enum: DocumentType })
  @IsOptional()
  @IsEnum(DocumentType)
  type?: DocumentType;

  /** Authored on or after this day (YYYY-MM-DD). */
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  /** Authored on or before this day (YYYY-MM-DD). */
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;

  /** Author RPPS. */
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^\d{11}$/, { message: 'author must be an RPPS (11 digits)' })
  author?: string;

  /** Establishment FINESS. */
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^[0-9AB]{9}$/, { message: 'establishment must be a FINESS (9 characters)' })
  establishment?: string;

  @ApiPropertyOptional({ default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be between 1 and 100' })
  @Max(100, { message: 'limit must be between 1 and 100' })
  limit?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'offset must be an integer' })
  @Min(0, { message: 'offset must be 0 or more' })
  offset?: number;
}

export class FetchDocumentQuery extends AccessQuery {
  /** A former version (history); default the current one. */
  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'version must be an integer' })
  @Min(1, { message: 'version must be 1 or more' })
  version?: number;
}

/** The flags to change (at least one); the others stay as they are. */
export class ChangeVisibilityBody {
  /** The patient's choice: only the author and the treating physician still see it. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean({ message: 'maskedFromProfessionals must be true or false' })
  maskedFromProfessionals?: boolean;

  /** The author's choice: the patient sees it once it has been explained in person. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean({ message: 'invisibleToPatientUntilExplained must be true or false' })
  invisibleToPatientUntilExplained?: boolean;

  /** The author's or the patient's choice. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean({ message: 'invisibleToLegalRepresentatives must be true or false' })
  invisibleToLegalRepresentatives?: boolean;
}
