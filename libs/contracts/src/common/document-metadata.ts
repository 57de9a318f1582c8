import { IsBase64, IsEnum, IsInt, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
import { DocumentFormat, DocumentType, Ins, IsoDate } from '@dmp/domain';
import { registerContractClass } from '../envelope/fast-validation';
import { AuthorRef, DocumentVisibility, SHA256_HEX } from './references';
import { IsIns, IsIsoDate, IsIsoDateTime, NestedObject } from './validators';

/** Printable ASCII without spaces: establishments' ids are often OIDs with extensions. */
export const DOCUMENT_ID = /^[\x21-\x7e]{1,128}$/;

/** A document's metadata as an establishment sends it (Kafka submission or HTTP). */
export class DocumentMetadata {
  /** The sender's unique id of the document; with the hash it makes resubmission a no-op. */
  @Matches(DOCUMENT_ID, { message: 'documentId must be 1-128 printable characters without spaces' })
  documentId!: string;

  @IsIns()
  ins!: Ins;

  @IsEnum(DocumentType)
  type!: DocumentType;

  @IsEnum(DocumentFormat)
  format!: DocumentFormat;

  @IsString()
  @Length(1, 255)
  title!: string;

  @NestedObject(() => AuthorRef)
  author!: AuthorRef;

  /** When the document was written. */
  @IsIsoDateTime()
  authoredAt!: string;

  /** The care the document is about (a stay, an exam): first and last day. */
  @IsOptional()
  @IsIsoDate()
  serviceStart?: IsoDate;

  @IsOptional()
  @IsIsoDate()
  serviceEnd?: IsoDate;

  /** SHA-256 of the body, lower-case hex; checked against the body on arrival and on read. */
  @Matches(SHA256_HEX, { message: 'sha256 must be 64 lower-case hexadecimal characters' })
  sha256!: string;

  @IsInt()
  @Min(0)
  sizeBytes!: number;

  /** Absent means all false. */
  @IsOptional()
  @NestedObject(() => DocumentVisibility)
  visibility?: DocumentVisibility;

  /** Declares a replacement: the documentId being replaced (may be this one, for a new version). */
  @IsOptional()
  @Matches(DOCUMENT_ID, { message: 'replaces must be 1-128 printable characters without spaces' })
  replaces?: string;
}

/** A document inside a Kafka submission: metadata plus the body inline. */
export class SubmittedDocument extends DocumentMetadata {
  @IsBase64(undefined, { message: 'bodyBase64 must be the body encoded in base64' })
  bodyBase64!: string;
}

registerContractClass(DocumentMetadata);
registerContractClass(SubmittedDocument);
