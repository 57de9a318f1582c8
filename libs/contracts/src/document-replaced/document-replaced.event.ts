import { IsEnum, IsInt, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
import { DocumentFormat, DocumentType, Ins, SourceCategory } from '@dmp/domain';
import { DOCUMENT_ID } from '../common/document-metadata';
import { ActorRef, AuthorRef, EstablishmentRef, SHA256_HEX } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** A new version replaced an old one; the old version is kept, deprecated, in the history. */
export class DocumentReplacedPayload {
  @IsIns()
  ins!: Ins;

  /** The new version's document id (may equal replacedDocumentId). */
  @Matches(DOCUMENT_ID)
  documentId!: string;

  @Matches(DOCUMENT_ID)
  replacedDocumentId!: string;

  @IsInt()
  @Min(2)
  version!: number;

  @IsEnum(DocumentType)
  type!: DocumentType;

  @IsEnum(DocumentFormat)
  format!: DocumentFormat;

  @IsString()
  @Length(1, 255)
  title!: string;

  @IsEnum(SourceCategory)
  sourceCategory!: SourceCategory;

  @IsOptional()
  @NestedObject(() => AuthorRef)
  author?: AuthorRef;

  @IsOptional()
  @NestedObject(() => EstablishmentRef)
  establishment?: EstablishmentRef;

  @Matches(SHA256_HEX)
  sha256!: string;

  @Matches(SHA256_HEX)
  previousSha256!: string;

  @IsInt()
  @Min(0)
  sizeBytes!: number;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  replacedAt!: string;
}

export const DocumentReplacedEvent = defineEvent(Topics.DOCUMENT_REPLACED, DocumentReplacedPayload, (p) => p.ins);
