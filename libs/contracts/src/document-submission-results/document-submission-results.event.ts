import { ArrayMaxSize, IsArray, IsEnum, IsInt, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
import { Finess } from '@dmp/domain';
import { IsFiness, IsIsoDateTime, NestedObjects } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

export enum SubmissionOutcome {
  ACCEPTED = 'accepted',
  /** Same documentId and hash as a stored document: nothing done. */
  DUPLICATE = 'duplicate',
  /** The record's opening has not arrived yet: filed when it does, rejected after a bounded wait. */
  PARKED = 'parked',
  REJECTED = 'rejected',
}

export class DocumentSubmissionResult {
  /** Position in the submission's documents array. */
  @IsInt()
  @Min(0)
  index!: number;

  /** Absent when the document had no usable id. */
  @IsOptional()
  @IsString()
  @Length(1, 128)
  documentId?: string;

  @IsEnum(SubmissionOutcome)
  outcome!: SubmissionOutcome;

  /** Why it was rejected or parked (sentences naming the field). */
  @IsArray()
  @IsString({ each: true })
  reasons!: string[];
}

export class DocumentSubmissionResultsPayload {
  @Matches(/^[\x21-\x7e]{1,128}$/, { message: 'submissionId must be 1-128 printable characters without spaces' })
  submissionId!: string;

  @IsFiness()
  establishmentFiness!: Finess;

  @IsArray()
  @ArrayMaxSize(1000)
  @NestedObjects(() => DocumentSubmissionResult)
  results!: DocumentSubmissionResult[];

  /** Set when the submission as a whole was refused (then results may be empty). */
  @IsOptional()
  @IsString()
  submissionRejectedReason?: string;

  @IsIsoDateTime()
  processedAt!: string;
}

export const DocumentSubmissionResultsEvent = defineEvent(Topics.DOCUMENT_SUBMISSION_RESULTS, DocumentSubmissionResultsPayload, (p) => p.submissionId);
