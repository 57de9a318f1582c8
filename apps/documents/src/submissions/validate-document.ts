import { DocumentMetadata, validateAs } from '@dmp/contracts';
import { DocumentType } from '@dmp/domain';
import { sha256Hex } from '../blobs/blob-store';
import { FilingMetadata } from './filing';
import { checkFormat } from './format-checks';
import { PatientDocumentMetadata } from './patient-document';
import { Feeder } from './sources';
import { decodeStrictBase64 } from './strict-base64';
import { SubmissionLimits } from './submission-limits';

/** Authored more than this in the future is refused (clocks of establishments drift a little). */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export type DocumentCheck =
  | { ok: true; metadata: FilingMetadata; body: Buffer; sha256: string }
  | { ok: false; reasons: string[]; documentId?: string; ins?: string; type?: string };

function stringField(item: unknown, name: string, max: number): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const value = (item as Record<string, unknown>)[name];
  return typeof value === 'string' ? value.slice(0, max) : undefined;
}

type MetadataCheck = { ok: true; value: FilingMetadata } | { ok: false; errors: Array<{ field: string; reason: string }> };

/**
 * The patient side's metadata: no author, and the defaults a patient need not send (type
 * patient-added, written when it arrives, visible to all but as they choose).
 */
function checkPatientMetadata(item: unknown, prefix: string, now: Date): MetadataCheck {
  const result = validateAs(PatientDocumentMetadata, item, prefix);
  const author = typeof item === 'object' && item !== null && (item as Record<string, unknown>)['author'] !== undefined;
  const authorError = author ? [{ field: `${prefix}.author`, reason: 'a document the patient adds has no professional author' }] : [];
  if (!result.ok || author) return { ok: false, errors: [...(result.ok ? [] : result.errors), ...authorError] };
  const { type, authoredAt, visibility, ...rest } = result.value;
  return {
    ok: true,
    value: {
      ...rest,
      type: type ?? DocumentType.PATIENT_ADDED,
      authoredAt: authoredAt ?? now.toISOString(),
      visibility: {
        maskedFromProfessionals: visibility?.maskedFromProfessionals ?? false,
        invisibleToPatientUntilExplained: false,
        invisibleToLegalRepresentatives: visibility?.invisibleToLegalRepresentatives ?? false,
      },
    },
  };
}

/**
 * Checks one submitted document on its own: metadata (class-validator through the contract
 * class), then the body against the metadata (size, hash, format) and the dates. `body` is the
 * multipart upload when there is one; otherwise the body is the inline bodyBase64. `feeder` picks
 * the metadata the source sends (the patient side has no author) and the types it may send.
 */
export function validateDocument(item: unknown, index: number, limits: SubmissionLimits, now: Date, body?: Buffer, feeder: Feeder = 'establishment'): DocumentCheck {
  const prefix = `documents.${index}`;
  const identity = { documentId: stringField(item, 'documentId', 128), ins: stringField(item, 'ins', 64), type: stringField(item, 'type', 64) };
  // The metadata through the contract class; bodyBase64 (the contract's SubmittedDocument adds it
  // with IsBase64) is checked here by decoding it once, strictly: no regular expression over
  // hundreds of kilobytes, and the decoded bytes are the ones hashed.
  const result: MetadataCheck = feeder === 'patient-side' ? checkPatientMetadata(item, prefix, now) : validateAs(DocumentMetadata, item, prefix);
  const base64 = body === undefined && typeof item === 'object' && item !== null ? (item as Record<string, unknown>)['bodyBase64'] : undefined;
  const base64Problem =
    body !== undefined ? undefined : typeof base64 !== 'string' ? 'bodyBase64 must be the body encoded in base64' : undefined;
  if (!result.ok || base64Problem !== undefined) {
    return { ok: false, reasons: [...(result.ok ? [] : result.errors.map((e) => `${e.field}: ${e.reason}`)), ...(base64Problem ? [`${prefix}.bodyBase64: ${base64Problem}`] : [])], ...identity };
  }
  const metadata = result.value;
  const reasons: string[] = [];
  let content = body;
  if (content === undefined) {
    const text = base64 as string;
    // Checked before decoding: a body over the limit is refused without allocating it.
    if (Math.floor((text.length * 3) / 4) - 2 > limits.maxInlineBytes) {
      return { ok: false, reasons: [`${prefix}.bodyBase64: body exceeds the inline limit of ${limits.maxInlineBytes} bytes (send it as a multipart upload)`], ...identity };
    }
    const decoded = decodeStrictBase64(text);
    if (decoded === undefined) return { ok: false, reasons: [`${prefix}.bodyBase64: bodyBase64 must be the body encoded in base64`], ...identity };
    content = decoded;
    if (content.length > limits.maxInlineBytes) reasons.push(`${prefix}.bodyBase64: body of ${content.length} bytes exceeds the inline limit of ${limits.maxInlineBytes} bytes`);
  } else if (content.length > limits.maxDocumentBytes) {
    reasons.push(`${prefix}: body of ${content.length} bytes exceeds the limit of ${limits.maxDocumentBytes} bytes`);
  }
  if (content.length === 0) reasons.push(`${prefix}: body is empty`);
  if (content.length !== metadata.sizeBytes) reasons.push(`${prefix}.sizeBytes: declares ${metadata.sizeBytes} bytes but the body has ${content.length}`);
  const sha256 = sha256Hex(content);
  if (sha256 !== metadata.sha256) reasons.push(`${prefix}.sha256: does not match the body (its SHA-256 is ${sha256})`);
  const formatProblem = checkFormat(metadata.format, content);
  if (formatProblem !== undefined) reasons.push(`${prefix}.format: ${formatProblem}`);
  if (Date.parse(metadata.authoredAt) > now.getTime() + CLOCK_SKEW_MS) reasons.push(`${prefix}.authoredAt: is in the future`);
  if (metadata.serviceStart !== undefined && metadata.serviceEnd !== undefined && metadata.serviceStart > metadata.serviceEnd) {
    reasons.push(`${prefix}.serviceEnd: is before serviceStart`);
  }
  if (metadata.serviceStart !== undefined && Date.parse(`${metadata.serviceStart}T00:00:00Z`) > now.getTime() + CLOCK_SKEW_MS) {
    reasons.push(`${prefix}.serviceStart: is in the future`);
  }
  if (metadata.type === DocumentType.PATIENT_ADDED && feeder !== 'patient-side') {
    reasons.push(`${prefix}.type: patient-added is only for documents a patient adds, not for ${feeder === 'establishment' ? 'an establishment' : 'a professional'}`);
  }
  if (reasons.length > 0) return { ok: false, reasons, ...identity };
  return { ok: true, metadata, body: content, sha256 };
}
