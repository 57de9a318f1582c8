import { crc32c } from '@dmp/checksums';
import { BatchField, parseBatchHeader, splitProducedBatches } from './record-batch';
import { buildRecordBatch } from './record-batch-builder';

describe('crc32c', () => {
  it('matches the standard check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('gives the same result on every alignment and length (slicing-by-16 tail handling)', () => {
    const data = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 31) % 256));
    const bytewise = (b: Buffer): number => {
      let c = 0xffffffff;
      for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    for (let start = 0; start < 9; start++)
      for (let end = start; end < 100; end += 7)
        expect(crc32c(data, start, end)).toBe(bytewise(data.subarray(start, end)));
  });
});

describe('record batch header', () => {
  it('parses the fields the broker needs without decoding the records', () => {
    const batch = buildRecordBatch(
      [
        { key: Buffer.from('k'), value: Buffer.from('v1'), timestamp: 1000 },
        { key: null, value: null, timestamp: 1500 },
      ],
      { baseOffset: 42, producerId: 7, producerEpoch: 1, baseSequence: 5 },
    );
    const sut = parseBatchHeader(batch);
    expect(sut).toMatchObject({
      baseOffset: 42,
      size: batch.length,
      lastOffsetDelta: 1,
      maxTimestamp: 1500,
      producerId: 7,
      producerEpoch: 1,
      baseSequence: 5,
      recordsCount: 2,
    });
  });

  it('splits several concatenated batches', () => {
    const a = buildRecordBatch([{ key: null, value: Buffer.from('a') }]);
    const b = buildRecordBatch([
      { key: null, value: Buffer.from('b') },
      { key: null, value: Buffer.from('c') },
    ]);
    const sut = splitProducedBatches(Buffer.concat([a, b]));
    expect('batches' in sut && sut.batches.map((x) => x.length)).toEqual([a.length, b.length]);
  });

  it('reports a CRC mismatch as a corrupt batch', () => {
    const batch = buildRecordBatch([{ key: null, value: Buffer.from('payload') }]);
    batch[batch.length - 2] ^= 0xff;
    expect(splitProducedBatches(batch)).toEqual({
      problem: { code: 'corrupt', reason: 'record batch CRC32C mismatch' },
    });
  });

  it('accepts a rewritten baseOffset because it lies outside the CRC', () => {
    const batch = buildRecordBatch([{ key: null, value: Buffer.from('x') }]);
    batch.writeInt32BE(99, BatchField.BaseOffset + 4);
    expect('batches' in splitProducedBatches(batch)).toBe(true);
  });

  it('refuses a batch whose length field disagrees with the bytes sent', () => {
    const batch = buildRecordBatch([{ key: null, value: Buffer.from('x') }]);
    expect(splitProducedBatches(batch.subarray(0, batch.length - 1))).toMatchObject({
      problem: { code: 'corrupt' },
    });
  });

  it('refuses old message formats and control batches', () => {
    const old = buildRecordBatch([{ key: null, value: Buffer.from('x') }]);
    old.writeInt8(1, BatchField.Magic);
    expect(splitProducedBatches(old)).toMatchObject({ problem: { code: 'invalid' } });
    const control = buildRecordBatch([{ key: null, value: Buffer.from('x') }], {
      attributes: 0x20,
    });
    expect(splitProducedBatches(control)).toMatchObject({
      problem: { code: 'invalid', reason: 'control batches may not be produced by clients' },
    });
  });
});
