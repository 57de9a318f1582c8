import { AuthorRef, DocumentMetadata, EstablishmentRef } from '@dmp/contracts';
import { ActorRole } from '@dmp/domain';

/** A valid document's metadata: a document the patient side adds has no professional author. */
export type FilingMetadata = Omit<DocumentMetadata, 'author'> & { author?: AuthorRef };

/** Which way a submission came in: its answer goes back the same way (event or HTTP response). */
export type SubmissionWay = 'kafka' | 'http';

/** A valid document ready to be filed, parked or found a duplicate. */
export interface FilingItem {
  metadata: FilingMetadata;
  sha256: string;
  /** Absent when the body is already in the blob store (a parked document being released). */
  body?: Buffer;
  /** Absent for a liberal professional or the patient side (addedBy says which). */
  establishment?: EstablishmentRef;
  submissionId: string;
  index: number;
  way: SubmissionWay;
  addedBy: { role: ActorRole; id: string };
  correlationId: string;
}

/** The fields a parked row keeps to file the document later (everything but the body). */
export interface ParkedSubmission {
  metadata: FilingMetadata;
  establishment?: EstablishmentRef;
  submissionId: string;
  index: number;
  way: SubmissionWay;
  addedBy: { role: ActorRole; id: string };
  correlationId: string;
}
