import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsEmpty, IsObject, IsOptional, Matches } from 'class-validator';
import { IsIsoDateTime } from '@dmp/contracts';

/**
 * A submission from a liberal professional or the patient side: the establishments' shape
 * without the establishment (the token says who submits). Each document is checked on its own
 * by the pipeline, so that one bad document is rejected alone with its reasons.
 */
export class SourceSubmissionBody {
  @ApiProperty({ example: 'cabinet-martin-2026-11-23-0001' })
  @Matches(/^[\x21-\x7e]{1,128}$/, { message: 'submissionId must be 1-128 printable characters without spaces' })
  submissionId!: string;

  @ApiPropertyOptional({ example: '2026-11-23T09:30:00.000Z' })
  @IsOptional()
  @IsIsoDateTime()
  submittedAt?: string;

  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'documents (metadata and bodyBase64); see docs/readme/documents-sources.md' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsObject({ each: true, message: 'each of documents must be an object' })
  documents!: object[];

  /** Only establishments name one (POST /submissions); here the token is the submitter. */
  @IsEmpty({ message: 'establishment must be absent: only establishments submit for an establishment (POST /submissions)' })
  establishment?: unknown;
}
