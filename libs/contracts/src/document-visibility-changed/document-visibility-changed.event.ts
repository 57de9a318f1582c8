import { Matches } from 'class-validator';
import { Ins } from '@dmp/domain';
import { DOCUMENT_ID } from '../common/document-metadata';
import { ActorRef, DocumentVisibility } from '../common/references';
import { IsIns, IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/** The patient masked or unmasked a document, or a professional marked it explained. */
export class DocumentVisibilityChangedPayload {
  @IsIns()
  ins!: Ins;

  @Matches(DOCUMENT_ID)
  documentId!: string;

  /** The flags as they now are. */
  @NestedObject(() => DocumentVisibility)
  visibility!: DocumentVisibility;

  @NestedObject(() => ActorRef)
  by!: ActorRef;

  @IsIsoDateTime()
  changedAt!: string;
}

export const DocumentVisibilityChangedEvent = defineEvent(Topics.DOCUMENT_VISIBILITY_CHANGED, DocumentVisibilityChangedPayload, (p) => p.ins);
