import { ArrayMinSize, IsArray, IsEnum, IsOptional, IsString, Length } from 'class-validator';
import { SourceCategory } from '@dmp/domain';
import { IsIsoDateTime } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/**
 * A document that was not filed. Its fields are plain strings on purpose: the rejection may be
 * about exactly those values (an INS with a wrong key, an unknown type).
 */
export class DocumentRejectedPayload {
  /** As received; not necessarily a valid INS. Also the Kafka key ('unknown' when absent). */
  @IsString()
  @Length(0, 64)
  ins!: string;

  @IsOptional()
  @IsString()
  @Length(0, 128)
  documentId?: string;

  @IsOptional()
  @IsString()
  submissionId?: string;

  @IsOptional()
  @IsString()
  establishmentFiness?: string;

  @IsOptional()
  @IsString()
  type?: string;

  @IsEnum(SourceCategory)
  sourceCategory!: SourceCategory;

  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  reasons!: string[];

  @IsIsoDateTime()
  rejectedAt!: string;
}

export const DocumentRejectedEvent = defineEvent(Topics.DOCUMENT_REJECTED, DocumentRejectedPayload, (p) => p.ins || 'unknown');
