import { Partitioners } from 'kafkajs';
import { crc32c } from '@dmp/checksums';
import { encodeRecordBatch, murmur2 } from './relay-producer';

describe('RelayProducer encoding', () => {
  it('puts a key on the partition kafkajs\'s default partitioner picks', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 7 }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    const keys = ['185057510812366', '2A0512B12345678', 'é', 'a', 'ab', 'abc', 'abcd', 'abcde', ...Array.from({ length: 200 }, (_, i) => `patient-${i * 7919}`)];

    for (const key of keys) {
      const sut = (murmur2(Buffer.from(key)) & 0x7fffffff) % 7;
      expect(sut).toBe(kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } }));
    }
  });

  it('computes CRC-32C (Castagnoli)', () => {
    expect(crc32c(Buffer.from('123456789'), 0, 9)).toBe(0xe3069283);
    expect(crc32c(Buffer.from('xx123456789'), 2, 11)).toBe(0xe3069283);
    // Every length around the 8-byte steps, against the plain bytewise definition.
    const bytewise = (buf: Buffer): number => {
      let crc = -1;
      for (const byte of buf) {
        crc ^= byte;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1;
      }
      return (crc ^ -1) >>> 0;
    };
    const data = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff));
    for (let length = 0; length <= 40; length++) {
      for (const offset of [0, 1, 5]) expect(crc32c(data, offset, offset + length)).toBe(bytewise(data.subarray(offset, offset + length)));
    }
    expect(crc32c(data, 3, 300)).toBe(bytewise(data.subarray(3)));
  });

  it('writes a magic-2 record batch whose length, counts, sequence and CRC are consistent', () => {
    const sut = encodeRecordBatch(
      [
        { key: 'k1', value: '{"a":1}', headers: { 'event-type': 'x' } },
        { key: null, value: 'é', headers: {} },
      ],
      42n,
      3,
      17,
    );

    expect(sut.readInt32BE(8)).toBe(sut.length - 12);
    expect(sut.readInt8(16)).toBe(2);
    expect(sut.readUInt32BE(17)).toBe(crc32c(sut, 21, sut.length));
    expect(sut.readInt32BE(23)).toBe(1); // last offset delta
    expect(sut.readBigInt64BE(43)).toBe(42n);
    expect(sut.readInt16BE(51)).toBe(3);
    expect(sut.readInt32BE(53)).toBe(17);
    expect(sut.readInt32BE(57)).toBe(2);
    expect(sut.includes(Buffer.from('{"a":1}'))).toBe(true);
  });
});
