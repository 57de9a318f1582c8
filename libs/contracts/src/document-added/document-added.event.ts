import { IsEnum, IsInt, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
import { DocumentFormat, DocumentType, Ins, SourceCategory } from '@dmp/domain';
import { DOCUMENT_ID } from '../common/document-metadata';
import { ActorRef, AuthorRef, DocumentVisibility, EstablishmentRef, SHA256_HEX } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

export class DocumentAddedPayload {
  @IsIns()
  ins!: Ins;

  @Matches(DOCUMENT_ID)
  documentId!: string;

  /** 1 for a new document; replacements raise it (see document-replaced). */
  @IsInt()
  @Min(1)
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

  /** Absent for a document the patient added. */
  @IsOptional()
  @NestedObject(() => AuthorRef)
  author?: AuthorRef;

  /** Present when an establishment fed it. */
  @IsOptional()
  @NestedObject(() => EstablishmentRef)
  establishment?: EstablishmentRef;

  @NestedObject(() => ActorRef)
  addedBy!: ActorRef;

  @Matches(SHA256_HEX)
  sha256!: string;

  @IsInt()
  @Min(0)
  sizeBytes!: number;

  @NestedObject(() => DocumentVisibility)
  visibility!: DocumentVisibility;

  @IsIsoDateTime()
  authoredAt!: string;

  @IsIsoDateTime()
  addedAt!: string;

  @IsOptional()
  @IsString()
  submissionId?: string;
}

export const DocumentAddedEvent = defineEvent(Topics.DOCUMENT_ADDED, DocumentAddedPayload, (p) => p.ins);
