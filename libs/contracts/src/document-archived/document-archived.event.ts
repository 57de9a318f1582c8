import { IsEnum, Matches } from 'class-validator';
import { DocumentType, Ins, SourceCategory } from '@dmp/domain';
import { DOCUMENT_ID } from '../common/document-metadata';
import { ActorRef } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** Archived by its author or the patient. */
export class DocumentArchivedPayload {
  @IsIns()
  ins!: Ins;

  @Matches(DOCUMENT_ID)
  documentId!: string;

  @IsEnum(DocumentType)
  type!: DocumentType;

  @IsEnum(SourceCategory)
  sourceCategory!: SourceCategory;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  archivedAt!: string;
}

export const DocumentArchivedEvent = defineEvent(Topics.DOCUMENT_ARCHIVED, DocumentArchivedPayload, (p) => p.ins);
