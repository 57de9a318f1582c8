import { DocumentsConfig } from '../config';

export interface SubmissionLimits {
  maxInlineBytes: number;
  maxDocumentBytes: number;
}

export function submissionLimits(config: DocumentsConfig): SubmissionLimits {
  return { maxInlineBytes: config.DOCUMENTS_MAX_INLINE_BYTES, maxDocumentBytes: config.DOCUMENTS_MAX_DOCUMENT_BYTES };
}

/** JSON body limit of the HTTP way in: a full submission of inline bodies (base64: 4/3) plus metadata. */
export function httpBodyLimit(config: DocumentsConfig): string {
  return `${Math.ceil((config.DOCUMENTS_MAX_INLINE_BYTES * 4) / 3) * 10 + 1024 * 1024}b`;
}
