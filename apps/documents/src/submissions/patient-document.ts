import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
import { DOCUMENT_ID, IsIns, IsIsoDate, IsIsoDateTime, NestedObject, SHA256_HEX } from '@dmp/contracts';
import { DocumentFormat, DocumentType, Ins, IsoDate, documentTypes } from '@dmp/domain';

/** The types a patient may add from their own space (documentTypes[type].patientMayAdd). */
export const PATIENT_DOCUMENT_TYPES: readonly DocumentType[] = (Object.values(DocumentType) as DocumentType[]).filter((t) => documentTypes[t].patientMayAdd);

/** A patient scans or downloads their documents: PDF or plain text, no CDA from their side. */
export const PATIENT_DOCUMENT_FORMATS: readonly DocumentFormat[] = [DocumentFormat.PDF, DocumentFormat.TEXT];

/** Every flag optional (false when absent); keeping a document from the patient is not theirs to set. */
export class PatientDocumentVisibility {
  @IsOptional()
  @IsBoolean()
  maskedFromProfessionals?: boolean;

  @IsOptional()
  @IsBoolean()
  invisibleToLegalRepresentatives?: boolean;

  @IsOptional()
  @IsIn([false], { message: 'only a professional may keep a document from the patient until it is explained' })
  invisibleToPatientUntilExplained?: boolean;
}

/**
 * A document the patient (or their legal representative) adds: the establishments' metadata
 * without an author, with the type, the authoring date and the visibility optional.
 */
export class PatientDocumentMetadata {
  /** The sender's id (a UUID is fine); with the hash it makes a resend a no-op. */
  @Matches(DOCUMENT_ID, { message: 'documentId must be 1-128 printable characters without spaces' })
  documentId!: string;

  @IsIns()
  ins!: Ins;

  @IsOptional()
  @IsIn(PATIENT_DOCUMENT_TYPES, { message: `type must be one of ${PATIENT_DOCUMENT_TYPES.join(', ')} (the types a patient may add)` })
  type?: DocumentType;

  @IsIn(PATIENT_DOCUMENT_FORMATS, { message: `format must be one of ${PATIENT_DOCUMENT_FORMATS.join(', ')} for a document the patient adds` })
  format!: DocumentFormat;

  @IsString()
  @Length(1, 255)
  title!: string;

  /** When the document was written; absent, when it arrives. */
  @IsOptional()
  @IsIsoDateTime()
  authoredAt?: string;

  @IsOptional()
  @IsIsoDate()
  serviceStart?: IsoDate;

  @IsOptional()
  @IsIsoDate()
  serviceEnd?: IsoDate;

  @Matches(SHA256_HEX, { message: 'sha256 must be 64 lower-case hexadecimal characters' })
  sha256!: string;

  @IsInt()
  @Min(0)
  sizeBytes!: number;

  @IsOptional()
  @NestedObject(() => PatientDocumentVisibility)
  visibility?: PatientDocumentVisibility;

  /** A new version of a document the patient side added to this record. */
  @IsOptional()
  @Matches(DOCUMENT_ID, { message: 'replaces must be 1-128 printable characters without spaces' })
  replaces?: string;
}
