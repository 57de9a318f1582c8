// A deliberately small Kafka wire client for the checks a real client cannot express: replaying
// a captured Produce frame byte for byte (idempotent retry), reading raw record batches back
// (gzip stored untouched), timing a single parked Fetch, asking for versions nobody supports,
// and feeding the fuzzer. Encodings follow apache/kafka clients/src/main/resources/common/message.
import { Socket, connect } from 'node:net';

export class Writer {
  private readonly chunks: Buffer[] = [];

  int8(value: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(value);
    return this.push(b);
  }

  int16(value: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(value);
    return this.push(b);
  }

  int32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(value);
    return this.push(b);
  }

  int64(value: bigint | number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(value));
    return this.push(b);
  }

  string(value: string | null): this {
    if (value === null) return this.int16(-1);
    const bytes = Buffer.from(value, 'utf8');
    return this.int16(bytes.length).push(bytes);
  }

  bytes(value: Buffer | null): this {
    if (value === null) return this.int32(-1);
    return this.int32(value.length).push(value);
  }

  array<T>(items: readonly T[] | null, each: (writer: this, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) each(this, item);
    return this;
  }

  uvarint(value: number): this {
    const out: number[] = [];
    let v = value >>> 0;
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
    return this.push(Buffer.from(out));
  }

  raw(value: Buffer): this {
    return this.push(value);
  }

  build(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private push(b: Buffer): this {
    this.chunks.push(b);
    return this;
  }
}

export class Reader {
  offset = 0;

  constructor(readonly buffer: Buffer) {}

  int8(): number {
    const v = this.buffer.readInt8(this.offset);
    this.offset += 1;
    return v;
  }

  int16(): number {
    const v = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    const v = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  int64(): bigint {
    const v = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  string(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    const v = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return v;
  }

  bytes(): Buffer | null {
    const length = this.int32();
    if (length < 0) return null;
    const v = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return v;
  }

  array<T>(each: (reader: this) => T): T[] | null {
    const length = this.int32();
    if (length < 0) return null;
    const out: T[] = [];
    for (let i = 0; i < length; i++) out.push(each(this));
    return out;
  }

  get remaining(): number {
    return this.buffer.length - this.offset;
  }
}

/** Request header v1 (what kafkajs sends): apiKey, apiVersion, correlationId, clientId. */
export function frame(apiKey: number, apiVersion: number, correlationId: number, body: Buffer, clientId = 'wire-test'): Buffer {
  const payload = new Writer().int16(apiKey).int16(apiVersion).int32(correlationId).string(clientId).raw(body).build();
  return new Writer().int32(payload.length).raw(payload).build();
}

/** Reads the correlation id of a length-prefixed request frame. */
export function correlationIdOf(requestFrame: Buffer): number {
  return requestFrame.readInt32BE(8);
}

/** Returns a copy of a request frame with another correlation id, so a replay matches its answer. */
export function withCorrelationId(requestFrame: Buffer, correlationId: number): Buffer {
  const copy = Buffer.from(requestFrame);
  copy.writeInt32BE(correlationId, 8);
  return copy;
}

export interface WireResponse {
  correlationId: number;
  /** Response body after the v0 response header (correlation id only). */
  body: Buffer;
}

/** One TCP connection that pairs responses with requests by correlation id. */
export class WireConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, { resolve: (r: WireResponse) => void; reject: (e: Error) => void }>();
  private nextCorrelationId = 1;
  private closedError: Error | null = null;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.closedError = new Error('connection closed by the broker');
        for (const pending of this.waiting.values()) pending.reject(this.closedError);
        this.waiting.clear();
        resolve();
      });
    });
    socket.on('error', () => undefined);
  }

  static open(host: string, port: number): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.setNoDelay(true);
      socket.once('connect', () => resolve(new WireConnection(socket)));
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closedError !== null;
  }

  /** Sends apiKey/apiVersion with `body`; resolves with the response body. */
  request(apiKey: number, apiVersion: number, body: Buffer): Promise<WireResponse> {
    const correlationId = this.nextCorrelationId++;
    return this.send(frame(apiKey, apiVersion, correlationId, body));
  }

  /** Sends a complete frame (its correlation id is read from it) and waits for the answer. */
  send(requestFrame: Buffer): Promise<WireResponse> {
    if (this.closedError) return Promise.reject(this.closedError);
    const correlationId = correlationIdOf(requestFrame);
    return new Promise((resolve, reject) => {
      this.waiting.set(correlationId, { resolve, reject });
      this.socket.write(requestFrame);
    });
  }

  /** Writes bytes without expecting an answer (acks=0, fuzzing). */
  write(bytes: Buffer): void {
    if (!this.closedError) this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const payload = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const correlationId = payload.readInt32BE(0);
      const pending = this.waiting.get(correlationId);
      if (pending) {
        this.waiting.delete(correlationId);
        pending.resolve({ correlationId, body: payload.subarray(4) });
      }
    }
  }
}

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  InitProducerId: 22,
} as const;

export interface ApiVersionsV0 {
  errorCode: number;
  apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[];
}

export function decodeApiVersionsV0(body: Buffer): ApiVersionsV0 {
  const r = new Reader(body);
  const errorCode = r.int16();
  const apiKeys = r.array((x) => ({ apiKey: x.int16(), minVersion: x.int16(), maxVersion: x.int16() })) ?? [];
  return { errorCode, apiKeys };
}

export interface FetchedPartition {
  partition: number;
  errorCode: number;
  highWatermark: bigint;
  records: Buffer;
}

/** Fetch v4 (the oldest version carrying record batches v2 and isolation level). */
export function encodeFetchV4(
  topic: string,
  partitions: { partition: number; offset: bigint | number }[],
  { maxWaitMs, minBytes, maxBytes = 10 * 1024 * 1024 }: { maxWaitMs: number; minBytes: number; maxBytes?: number },
): Buffer {
  return new Writer()
    .int32(-1)
    .int32(maxWaitMs)
    .int32(minBytes)
    .int32(maxBytes)
    .int8(0)
    .array([topic], (w, t) =>
      w.string(t).array(partitions, (pw, p) => pw.int32(p.partition).int64(p.offset).int32(maxBytes)),
    )
    .build();
}

export function decodeFetchV4(body: Buffer): FetchedPartition[] {
  const r = new Reader(body);
  r.int32(); // throttle time
  const out: FetchedPartition[] = [];
  r.array((t) => {
    t.string();
    t.array((p) => {
      const partition = p.int32();
      const errorCode = p.int16();
      const highWatermark = p.int64();
      p.int64(); // last stable offset
      p.array((a) => [a.int64(), a.int64()]);
      const records = p.bytes() ?? Buffer.alloc(0);
      out.push({ partition, errorCode, highWatermark, records });
    });
  });
  return out;
}

export interface RawBatch {
  baseOffset: bigint;
  lastOffsetDelta: number;
  attributes: number;
  bytes: Buffer;
}

/** Splits a records blob into its record batches (magic 2) without decoding the records. */
export function splitBatches(records: Buffer): RawBatch[] {
  const out: RawBatch[] = [];
  let at = 0;
  while (at + 12 <= records.length) {
    const batchLength = records.readInt32BE(at + 8);
    const end = at + 12 + batchLength;
    if (end > records.length) break; // a partial trailing batch is allowed by the protocol
    const bytes = records.subarray(at, end);
    out.push({
      baseOffset: bytes.readBigInt64BE(0),
      attributes: bytes.readInt16BE(21),
      lastOffsetDelta: bytes.readInt32BE(23),
      bytes,
    });
    at = end;
  }
  return out;
}

export interface ProducePartitionResult {
  topic: string;
  partition: number;
  errorCode: number;
  baseOffset: bigint;
}

/** Produce response v2..v7 (v5+ adds logStartOffset). */
export function decodeProduceResponse(body: Buffer, version: number): ProducePartitionResult[] {
  const r = new Reader(body);
  const out: ProducePartitionResult[] = [];
  r.array((t) => {
    const topic = t.string() ?? '';
    t.array((p) => {
      const partition = p.int32();
      const errorCode = p.int16();
      const baseOffset = p.int64();
      if (version >= 2) p.int64();
      if (version >= 5) p.int64();
      out.push({ topic, partition, errorCode, baseOffset });
    });
  });
  return out;
}

/** Finds the first record batch inside a Produce request frame (v3+): what the broker must store. */
export function recordBatchesOfProduceFrame(requestFrame: Buffer): { topic: string; partition: number; batch: Buffer }[] {
  const r = new Reader(requestFrame);
  r.int32(); // size
  const apiKey = r.int16();
  const version = r.int16();
  if (apiKey !== ApiKey.Produce || version < 3) throw new Error(`not a Produce v3+ frame (key ${apiKey} v${version})`);
  r.int32();
  r.string(); // client id
  r.string(); // transactional id
  r.int16(); // acks
  r.int32(); // timeout
  const out: { topic: string; partition: number; batch: Buffer }[] = [];
  r.array((t) => {
    const topic = t.string() ?? '';
    t.array((p) => {
      const partition = p.int32();
      const records = p.bytes() ?? Buffer.alloc(0);
      for (const batch of splitBatches(records)) out.push({ topic, partition, batch: batch.bytes });
    });
  });
  return out;
}

const crc32cTable = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C (Castagnoli), written here independently of the broker's so the test is an oracle. */
export function crc32c(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crc32cTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Rewrites the baseSequence of every record batch in a Produce frame (v3+) and fixes the CRCs:
 * a well-formed batch whose only fault is its place in the producer's sequence.
 */
export function withBaseSequence(requestFrame: Buffer, baseSequence: number): Buffer {
  const copy = Buffer.from(requestFrame);
  for (const { batch } of recordBatchesOfProduceFrame(copy)) {
    // subarray views share memory with `copy`, so these writes land in the frame itself.
    batch.writeInt32BE(baseSequence, 53);
    batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  }
  return copy;
}
