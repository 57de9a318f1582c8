// Encodes an uncompressed record batch (magic 2): used by the unit tests and handy for raw
// protocol tests; the broker itself never encodes records.
import { Writer } from './codec';
import { crc32c } from '@dmp/checksums';
import { BatchField, writeInt64 } from './record-batch';

export interface SimpleRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Array<{ key: string; value: Buffer | null }>;
  timestamp?: number;
}

export interface BatchOptions {
  baseOffset?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  attributes?: number;
}

export function buildRecordBatch(records: SimpleRecord[], options: BatchOptions = {}): Buffer {
  const first = records[0]?.timestamp ?? Date.now();
  let max = first;
  const body = new Writer(256);
  records.forEach((r, i) => {
    const ts = r.timestamp ?? first;
    if (ts > max) max = ts;
    const rec = new Writer(64);
    rec
      .int8(0)
      .varint(ts - first)
      .varint(i);
    if (r.key === null) rec.varint(-1);
    else rec.varint(r.key.length).raw(r.key);
    if (r.value === null) rec.varint(-1);
    else rec.varint(r.value.length).raw(r.value);
    const headers = r.headers ?? [];
    rec.varint(headers.length);
    for (const h of headers) {
      const k = Buffer.from(h.key);
      rec.varint(k.length).raw(k);
      if (h.value === null) rec.varint(-1);
      else rec.varint(h.value.length).raw(h.value);
    }
    const encoded = rec.toBuffer();
    body.varint(encoded.length).raw(encoded);
  });
  const recordsBytes = body.toBuffer();
  const header = new Writer(64);
  header
    .int64(options.baseOffset ?? 0)
    .int32(61 - 12 + recordsBytes.length)
    .int32(-1)
    .int8(2)
    .int32(0)
    .int16(options.attributes ?? 0)
    .int32(records.length - 1)
    .int64(first)
    .int64(max)
    .int64(options.producerId ?? -1)
    .int16(options.producerEpoch ?? -1)
    .int32(options.baseSequence ?? -1)
    .int32(records.length);
  const batch = Buffer.concat([header.toBuffer(), recordsBytes]);
  batch.writeUInt32BE(crc32c(batch, BatchField.Attributes), BatchField.Crc);
  writeInt64(batch, BatchField.BaseOffset, options.baseOffset ?? 0);
  return batch;
}
