import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, Matches } from 'class-validator';
import { EstablishmentRef } from '../common/references';
import { IsIsoDateTime, NestedObject } from '../common/validators';
import { defineEvent } from '../envelope/event-definition';
import { Topics } from '../topics';

/**
 * What an establishment produces to dmp.documents.submissions.v1.
 *
 * The documents themselves are only checked to be objects here: each one is validated on its
 * own by the documents service (validateAs(SubmittedDocument, item)) so that one bad document
 * is rejected with its reasons instead of sending its whole submission to the dead-letter topic.
 */
export class DocumentSubmissionPayload {
  @Matches(/^[\x21-\x7e]{1,128}$/, { message: 'submissionId must be 1-128 printable characters without spaces' })
  submissionId!: string;

  @NestedObject(() => EstablishmentRef)
  establishment!: EstablishmentRef;

  @IsIsoDateTime()
  submittedAt!: string;

  /** SubmittedDocument objects (metadata and bodyBase64). */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsObject({ each: true, message: 'each of documents must be an object' })
  documents!: object[];
}

/** Keyed by establishment so that one establishment's submissions stay in order. */
export const DocumentSubmissionEvent = defineEvent(Topics.DOCUMENT_SUBMISSIONS, DocumentSubmissionPayload, (p) => p.establishment.finess);
