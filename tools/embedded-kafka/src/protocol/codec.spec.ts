import { ProtocolError, Reader, Writer } from './codec';

describe(Writer.name, () => {
  it('round-trips fixed-width integers, including negative and large int64 values', () => {
    const sut = new Writer(4);
    sut
      .int8(-5)
      .int16(-300)
      .int32(-70000)
      .int64(-1)
      .int64(2 ** 40 + 7)
      .int64(Number.MAX_SAFE_INTEGER)
      .bool(true);
    const r = new Reader(sut.toBuffer());
    expect([r.int8(), r.int16(), r.int32(), r.int64(), r.int64(), r.int64(), r.bool()]).toEqual([
      -5,
      -300,
      -70000,
      -1,
      2 ** 40 + 7,
      Number.MAX_SAFE_INTEGER,
      true,
    ]);
    expect(r.remaining()).toBe(0);
  });

  it('encodes int64 big-endian exactly like Buffer.writeBigInt64BE', () => {
    const sut = new Writer();
    sut.int64(-123456789012);
    const expected = Buffer.alloc(8);
    expected.writeBigInt64BE(-123456789012n);
    expect(sut.toBuffer()).toEqual(expected);
  });

  it('encodes zigzag varints as the Kafka record format does', () => {
    const cases: Array<[number, number[]]> = [
      [0, [0x00]],
      [-1, [0x01]],
      [1, [0x02]],
      [-64, [0x7f]],
      [64, [0x80, 0x01]],
      [300, [0xd8, 0x04]],
    ];
    for (const [value, bytes] of cases)
      expect([...new Writer().varint(value).toBuffer()]).toEqual(bytes);
  });

  it('round-trips varints and unsigned varints across byte boundaries', () => {
    const values = [0, 1, -1, 127, 128, -129, 16383, 16384, 2 ** 31 - 1, -(2 ** 31)];
    const sut = new Writer();
    for (const v of values) sut.varint(v);
    sut.uvarint(2 ** 32 - 1);
    const r = new Reader(sut.toBuffer());
    expect(values.map(() => r.varint())).toEqual(values);
    expect(r.uvarint()).toBe(2 ** 32 - 1);
  });

  it('round-trips strings, nullable strings, compact strings and bytes', () => {
    const sut = new Writer(2);
    sut
      .string('héllo')
      .nullableString(null)
      .compactString('abc')
      .compactNullableString(null)
      .bytes(Buffer.from([1, 2, 3]))
      .nullableBytes(null);
    const r = new Reader(sut.toBuffer());
    expect(r.string()).toBe('héllo');
    expect(r.nullableString()).toBeNull();
    expect(r.compactString()).toBe('abc');
    expect(r.compactNullableString()).toBeNull();
    expect([...r.bytes()]).toEqual([1, 2, 3]);
    expect(r.nullableBytes()).toBeNull();
  });

  it('keeps large raw buffers by reference instead of copying them', () => {
    const big = Buffer.alloc(64 * 1024, 7);
    const sut = new Writer();
    sut.int32(big.length).raw(big).int16(9);
    const chunks = sut.finish();
    expect(chunks).toContain(big);
    const all = Buffer.concat(chunks);
    expect(all.readInt32BE(0)).toBe(big.length);
    expect(all.readInt16BE(4 + big.length)).toBe(9);
  });

  it('writes arrays and compact arrays with their lengths', () => {
    const sut = new Writer();
    sut
      .array([1, 2], (w, n) => w.int32(n))
      .compactArray([3], (w, n) => w.int16(n))
      .nullableArray(null, (w, n: number) => w.int8(n));
    const r = new Reader(sut.toBuffer());
    expect(r.array((r) => r.int32())).toEqual([1, 2]);
    expect(r.compactArray((r) => r.int16())).toEqual([3]);
    expect(r.nullableArray((r) => r.int8())).toBeNull();
  });
});

describe(Reader.name, () => {
  it('throws a ProtocolError when a field runs past the end of the frame', () => {
    const sut = new Reader(Buffer.from([0, 10, 65, 66]));
    expect(() => sut.string()).toThrow(ProtocolError);
  });

  it('refuses an array length that cannot fit in the remaining bytes', () => {
    const sut = new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0]));
    expect(() => sut.array((r) => r.int32(), 4)).toThrow(ProtocolError);
  });

  it('refuses varints longer than five bytes', () => {
    const sut = new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(() => sut.uvarint()).toThrow(ProtocolError);
  });

  it('skips tagged fields it does not understand', () => {
    const buf = new Writer()
      .uvarint(2)
      .uvarint(0)
      .uvarint(3)
      .raw(Buffer.from([1, 2, 3]))
      .uvarint(5)
      .uvarint(0)
      .int16(42)
      .toBuffer();
    const sut = new Reader(buf);
    sut.taggedFields();
    expect(sut.int16()).toBe(42);
  });
});
