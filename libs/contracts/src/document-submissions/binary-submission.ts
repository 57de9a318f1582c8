import { EventEnvelope } from '../envelope/event-envelope';
import { ParseEventResult, parseEventSync } from '../envelope/parse-event';
import { Topics } from '../topics';
import { DocumentSubmissionPayload } from './document-submissions.event';

/**
 * The binary encoding of a submission on dmp.documents.submissions.v1 (version 1): the same event envelope as the JSON
 * encoding, as a JSON header, followed by the bodies as raw bytes, so that a 200 KB body is not
 * base64-encoded (4/3 of the bytes on the wire) then decoded, and is not part of a 270 KB string
 * that the service decodes from UTF-8 and JSON-parses (together most of the service's CPU per
 * large document in the JSON encoding).
 *
 * ```
 * offset 0   4 bytes  magic "DMPS" (a JSON value starts with "{" or white space: never confused)
 *        4   1 byte   version, 1
 *        5   4 bytes  header length H, unsigned big-endian
 *        9   H bytes  the event envelope, UTF-8 JSON; its documents carry no bodyBase64
 *        then, for each document in order: 4 bytes body length L (unsigned big-endian), L bytes
 * ```
 * Nothing may follow the last body. The documents' metadata is checked as in the JSON encoding
 * (sizeBytes and sha256 against the body, format, ...), document by document; a message whose
 * framing is wrong is not a submission at all and goes to the dead-letter topic with the reason.
 */
export const BINARY_SUBMISSION_MAGIC = Buffer.from('DMPS', 'ascii');
export const BINARY_SUBMISSION_VERSION = 1;
const PREFIX_BYTES = BINARY_SUBMISSION_MAGIC.length + 1 + 4;

/** A submission as the Kafka way in receives it: `bodies` (by document index) when it was binary. */
export interface ReceivedSubmissionPayload extends DocumentSubmissionPayload {
  bodies?: Buffer[];
}

type Result = ParseEventResult<ReceivedSubmissionPayload>;

function failure(reason: string): Result {
  return { ok: false, reason };
}

export function isBinarySubmission(value: Buffer): boolean {
  return value.length >= BINARY_SUBMISSION_MAGIC.length && value.subarray(0, BINARY_SUBMISSION_MAGIC.length).equals(BINARY_SUBMISSION_MAGIC);
}

/** Encodes a submission envelope (documents without bodyBase64) and its bodies, in document order. */
export function encodeBinarySubmission(envelope: EventEnvelope<DocumentSubmissionPayload>, bodies: Buffer[]): Buffer {
  if (bodies.length !== envelope.payload.documents.length) {
    throw new Error(`${bodies.length} bodies for ${envelope.payload.documents.length} documents`);
  }
  const header = Buffer.from(JSON.stringify(envelope), 'utf8');
  const prefix = Buffer.alloc(PREFIX_BYTES);
  BINARY_SUBMISSION_MAGIC.copy(prefix, 0);
  prefix.writeUInt8(BINARY_SUBMISSION_VERSION, BINARY_SUBMISSION_MAGIC.length);
  prefix.writeUInt32BE(header.length, BINARY_SUBMISSION_MAGIC.length + 1);
  const parts: Buffer[] = [prefix, header];
  for (const body of bodies) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length, 0);
    parts.push(length, body);
  }
  return Buffer.concat(parts);
}

/**
 * Decodes a message of dmp.documents.submissions.v1 in either encoding: JSON (parseEventSync) or
 * binary (above). The bodies of a binary submission are views of `value`, not copies.
 */
export function decodeSubmission(value: Buffer | null): Result {
  if (value === null || !isBinarySubmission(value)) return parseEventSync(Topics.DOCUMENT_SUBMISSIONS, value);
  if (value.length < PREFIX_BYTES) return failure(`binary submission: ${value.length} bytes is shorter than its ${PREFIX_BYTES}-byte prefix`);
  const version = value.readUInt8(BINARY_SUBMISSION_MAGIC.length);
  if (version !== BINARY_SUBMISSION_VERSION) return failure(`binary submission: version ${version} is not supported (${BINARY_SUBMISSION_VERSION} is)`);
  const headerLength = value.readUInt32BE(BINARY_SUBMISSION_MAGIC.length + 1);
  if (PREFIX_BYTES + headerLength > value.length) return failure(`binary submission: header of ${headerLength} bytes runs past the end of the message (${value.length} bytes)`);
  const parsed = parseEventSync(Topics.DOCUMENT_SUBMISSIONS, value.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength));
  if (!parsed.ok) return failure(`binary submission header: ${parsed.reason}`);
  const documents = parsed.envelope.payload.documents;
  const inlined = documents.findIndex((d) => 'bodyBase64' in d);
  if (inlined >= 0) return failure(`binary submission: payload.documents.${inlined}.bodyBase64 is not allowed (the body follows the header)`);
  const bodies: Buffer[] = [];
  let offset = PREFIX_BYTES + headerLength;
  for (let index = 0; index < documents.length; index++) {
    if (offset + 4 > value.length) return failure(`binary submission: the message ends before the body of document ${index} (${documents.length} documents, ${index} bodies)`);
    const length = value.readUInt32BE(offset);
    offset += 4;
    if (offset + length > value.length) return failure(`binary submission: body of document ${index} (${length} bytes) runs past the end of the message`);
    bodies.push(value.subarray(offset, offset + length));
    offset += length;
  }
  if (offset !== value.length) return failure(`binary submission: ${value.length - offset} bytes after the body of the last document (${documents.length} documents)`);
  const envelope = parsed.envelope as EventEnvelope<ReceivedSubmissionPayload>;
  envelope.payload.bodies = bodies;
  return { ok: true, envelope };
}
