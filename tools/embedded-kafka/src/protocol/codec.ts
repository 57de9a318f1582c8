// Kafka wire primitives. Reader parses a request body in place (no copies: bytes fields are
// subarrays of the frame); Writer builds a response as a list of chunks so that record data
// read from a segment is sent by reference instead of being copied into the response.

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export class Reader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.end)
      throw new ProtocolError(`need ${n} bytes at ${at}, frame ends at ${this.end}`);
    this.pos = at + n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  /** int64 as a JS number: offsets and timestamps stay far below 2^53. */
  int64(): number {
    const at = this.need(8);
    return this.buf.readInt32BE(at) * 4294967296 + this.buf.readUInt32BE(at + 4);
  }

  uvarint(): number {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.buf[this.need(1)];
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
      shift += 7;
    }
    throw new ProtocolError('varint longer than 5 bytes');
  }
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 1 ? -(u + 1) / 2 : u / 2;
  }

  string(): string {
    const len = this.int16();
    if (len < 0) throw new ProtocolError('null where a string is required');
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }
  compactString(): string {
    const s = this.compactNullableString();
    if (s === null) throw new ProtocolError('null where a compact string is required');
    return s;
  }
  compactNullableString(): string | null {
    const len = this.uvarint() - 1;
    if (len < 0) return null;
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }
  bytes(): Buffer {
    const b = this.nullableBytes();
    if (b === null) throw new ProtocolError('null where bytes are required');
    return b;
  }
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len < 0) return null;
    const at = this.need(len);
    return this.buf.subarray(at, at + len);
  }

  /** Array length; -1 means null. Guards against absurd lengths from garbage frames. */
  arrayLength(minElementBytes = 1): number {
    const n = this.int32();
    if (n < -1) throw new ProtocolError(`negative array length ${n}`);
    if (n > 0 && n * minElementBytes > this.remaining())
      throw new ProtocolError(`array of ${n} cannot fit in ${this.remaining()} bytes`);
    return n;
  }
  array<T>(read: (r: Reader) => T, minElementBytes = 1): T[] {
    const n = this.arrayLength(minElementBytes);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(read(this));
    return out;
  }
  nullableArray<T>(read: (r: Reader) => T, minElementBytes = 1): T[] | null {
    const n = this.arrayLength(minElementBytes);
    if (n < 0) return null;
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(read(this));
    return out;
  }
  compactArray<T>(read: (r: Reader) => T): T[] | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    if (n > this.remaining()) throw new ProtocolError(`compact array of ${n} cannot fit`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(read(this));
    return out;
  }
  /** Skips a tagged-field section (flexible versions): we understand no tags. */
  taggedFields(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      const size = this.uvarint();
      this.need(size);
    }
  }
}

const SMALL = 1024;

export class Writer {
  private chunks: Buffer[] = [];
  private cur: Buffer;
  private pos = 0;
  private flushedLength = 0;

  constructor(initial = 256) {
    this.cur = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    if (this.pos > 0) {
      this.chunks.push(this.cur.subarray(0, this.pos));
      this.flushedLength += this.pos;
    }
    this.cur = Buffer.allocUnsafe(Math.max(n, this.cur.length * 2, 256));
    this.pos = 0;
  }

  get length(): number {
    return this.flushedLength + this.pos;
  }

  int8(v: number): this {
    this.ensure(1);
    this.cur.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  int16(v: number): this {
    this.ensure(2);
    this.cur.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.cur.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  int64(v: number): this {
    this.ensure(8);
    const hi = Math.floor(v / 4294967296);
    this.cur.writeInt32BE(hi, this.pos);
    this.cur.writeUInt32BE(v - hi * 4294967296, this.pos + 4);
    this.pos += 8;
    return this;
  }
  uvarint(v: number): this {
    this.ensure(5);
    while (v >= 0x80) {
      this.cur[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.cur[this.pos++] = v;
    return this;
  }
  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  string(s: string): this {
    const len = Buffer.byteLength(s);
    this.int16(len);
    this.ensure(len);
    this.pos += this.cur.write(s, this.pos, 'utf8');
    return this;
  }
  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }
  compactString(s: string): this {
    const len = Buffer.byteLength(s);
    this.uvarint(len + 1);
    this.ensure(len);
    this.pos += this.cur.write(s, this.pos, 'utf8');
    return this;
  }
  compactNullableString(s: string | null): this {
    return s === null ? this.uvarint(0) : this.compactString(s);
  }
  /** Raw bytes: large buffers are kept by reference (no copy). */
  raw(b: Buffer): this {
    if (b.length <= SMALL) {
      this.ensure(b.length);
      b.copy(this.cur, this.pos);
      this.pos += b.length;
      return this;
    }
    if (this.pos > 0) {
      this.chunks.push(this.cur.subarray(0, this.pos));
      this.flushedLength += this.pos;
      this.cur = this.cur.subarray(this.pos);
      this.pos = 0;
    }
    this.chunks.push(b);
    this.flushedLength += b.length;
    return this;
  }
  bytes(b: Buffer): this {
    this.int32(b.length);
    return this.raw(b);
  }
  nullableBytes(b: Buffer | null): this {
    return b === null ? this.int32(-1) : this.bytes(b);
  }
  array<T>(items: readonly T[], write: (w: this, item: T) => void): this {
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }
  nullableArray<T>(items: readonly T[] | null, write: (w: this, item: T) => void): this {
    return items === null ? this.int32(-1) : this.array(items, write);
  }
  compactArray<T>(items: readonly T[], write: (w: this, item: T) => void): this {
    this.uvarint(items.length + 1);
    for (const item of items) write(this, item);
    return this;
  }
  emptyTaggedFields(): this {
    return this.uvarint(0);
  }

  /** The chunks written so far (the writer must not be used afterwards). */
  finish(): Buffer[] {
    if (this.pos > 0) this.chunks.push(this.cur.subarray(0, this.pos));
    this.flushedLength += this.pos;
    this.pos = 0;
    return this.chunks;
  }

  toBuffer(): Buffer {
    const chunks = this.finish();
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }
}
