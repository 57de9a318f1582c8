// Record batch v2 (magic 2) header: the broker never decodes records. It checks the header,
// rewrites baseOffset (outside the CRC) and stores the batch byte for byte.
import { crc32c } from '@dmp/checksums';

export const BATCH_HEADER_BYTES = 61;
/** baseOffset + batchLength: the batch length counts the bytes after these 12. */
export const LOG_OVERHEAD = 12;

export const enum BatchField {
  BaseOffset = 0,
  BatchLength = 8,
  PartitionLeaderEpoch = 12,
  Magic = 16,
  Crc = 17,
  Attributes = 21,
  LastOffsetDelta = 23,
  FirstTimestamp = 27,
  MaxTimestamp = 35,
  ProducerId = 43,
  ProducerEpoch = 51,
  BaseSequence = 53,
  RecordsCount = 57,
}

const ATTR_TRANSACTIONAL = 0x10;
const ATTR_CONTROL = 0x20;

export interface BatchHeader {
  baseOffset: number;
  /** Total size on the wire and on disk (batchLength + 12). */
  size: number;
  lastOffsetDelta: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
  attributes: number;
}

export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);
}

export function writeInt64(buf: Buffer, at: number, value: number): void {
  const hi = Math.floor(value / 4294967296);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(value - hi * 4294967296, at + 4);
}

/** Parses the header at `at`; assumes at least BATCH_HEADER_BYTES are available. */
export function parseBatchHeader(buf: Buffer, at = 0): BatchHeader {
  return {
    baseOffset: readInt64(buf, at + BatchField.BaseOffset),
    size: buf.readInt32BE(at + BatchField.BatchLength) + LOG_OVERHEAD,
    lastOffsetDelta: buf.readInt32BE(at + BatchField.LastOffsetDelta),
    maxTimestamp: readInt64(buf, at + BatchField.MaxTimestamp),
    producerId: readInt64(buf, at + BatchField.ProducerId),
    producerEpoch: buf.readInt16BE(at + BatchField.ProducerEpoch),
    baseSequence: buf.readInt32BE(at + BatchField.BaseSequence),
    recordsCount: buf.readInt32BE(at + BatchField.RecordsCount),
    attributes: buf.readInt16BE(at + BatchField.Attributes),
  };
}

export type BatchProblem = { code: 'corrupt' | 'invalid'; reason: string };

/**
 * Splits a produce request's records field into batches and validates each one.
 * Returns the batches (subarrays of `records`) or the first problem found.
 */
export function splitProducedBatches(
  records: Buffer,
): { batches: Buffer[] } | { problem: BatchProblem } {
  const batches: Buffer[] = [];
  let at = 0;
  while (at < records.length) {
    if (records.length - at < BATCH_HEADER_BYTES)
      return { problem: { code: 'corrupt', reason: 'truncated record batch header' } };
    const magic = records.readInt8(at + BatchField.Magic);
    if (magic !== 2)
      return {
        problem: { code: 'invalid', reason: `unsupported record batch magic ${magic} (only v2)` },
      };
    const size = records.readInt32BE(at + BatchField.BatchLength) + LOG_OVERHEAD;
    if (size < BATCH_HEADER_BYTES || at + size > records.length) {
      return {
        problem: {
          code: 'corrupt',
          reason: `record batch length ${size} does not match the ${records.length - at} bytes sent`,
        },
      };
    }
    const problem = checkBatch(records, at, size, true);
    if (problem) return { problem };
    batches.push(records.subarray(at, at + size));
    at += size;
  }
  if (batches.length === 0) return { problem: { code: 'invalid', reason: 'empty records' } };
  return { batches };
}

/** Checks one complete batch at [at, at+size): CRC, counts and attributes. */
export function checkBatch(
  buf: Buffer,
  at: number,
  size: number,
  fromClient: boolean,
): BatchProblem | null {
  const stored = buf.readUInt32BE(at + BatchField.Crc);
  const computed = crc32c(buf, at + BatchField.Attributes, at + size);
  if (stored !== computed) return { code: 'corrupt', reason: 'record batch CRC32C mismatch' };
  if (!fromClient) return null;
  const attributes = buf.readInt16BE(at + BatchField.Attributes);
  if (attributes & ATTR_CONTROL)
    return { code: 'invalid', reason: 'control batches may not be produced by clients' };
  if (attributes & ATTR_TRANSACTIONAL)
    return { code: 'invalid', reason: 'transactions are not supported' };
  const count = buf.readInt32BE(at + BatchField.RecordsCount);
  const lastOffsetDelta = buf.readInt32BE(at + BatchField.LastOffsetDelta);
  if (count <= 0 || lastOffsetDelta !== count - 1) {
    return {
      code: 'invalid',
      reason: `records count ${count} and last offset delta ${lastOffsetDelta} disagree`,
    };
  }
  return null;
}
