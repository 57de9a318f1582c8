import { IsEnum, Matches } from 'class-validator';
import { DocumentType, Ins, SourceCategory } from '@dmp/domain';
import { DOCUMENT_ID } from '../common/document-metadata';
import { ActorRef } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** Deleted by its author or the patient. */
export class DocumentDeletedPayload {
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
  deletedAt!: string;
}

export const DocumentDeletedEvent = defineEvent(Topics.DOCUMENT_DELETED, DocumentDeletedPayload, (p) => p.ins);
