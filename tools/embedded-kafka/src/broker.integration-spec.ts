// Protocol-level checks on a raw socket, for behaviour clients rarely expose: response order
// behind a parked fetch, sequence gaps, unsupported versions, and state kept across restarts.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BrokerHandle, startBroker } from './broker';
import { ApiKey } from './protocol/api-keys';
import { Reader, Writer } from './protocol/codec';
import { ErrorCode } from './protocol/error-codes';
import { buildRecordBatch } from './protocol/record-batch-builder';

class RawClient {
  private buffered = Buffer.alloc(0);
  private readonly waiting: Array<(frame: { correlationId: number; body: Reader }) => void> = [];
  private readonly unclaimed: Array<{ correlationId: number; body: Reader }> = [];
  readonly received: number[] = [];
  private nextCorrelation = 1;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      while (
        this.buffered.length >= 4 &&
        this.buffered.length >= 4 + this.buffered.readInt32BE(0)
      ) {
        const size = this.buffered.readInt32BE(0);
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        const body = new Reader(frame);
        const correlationId = body.int32();
        this.received.push(correlationId);
        const waiter = this.waiting.shift();
        if (waiter) waiter({ correlationId, body });
        else this.unclaimed.push({ correlationId, body });
      }
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request and returns the correlation id; responses arrive in order via next(). */
  send(apiKey: number, apiVersion: number, body: (w: Writer) => void): number {
    const correlationId = this.nextCorrelation++;
    const w = new Writer();
    w.int16(apiKey).int16(apiVersion).int32(correlationId).nullableString('raw-test');
    body(w);
    const payload = w.toBuffer();
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    this.socket.write(Buffer.concat([size, payload]));
    return correlationId;
  }

  next(): Promise<{ correlationId: number; body: Reader }> {
    const ready = this.unclaimed.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}

function produceBody(topic: string, batch: Buffer): (w: Writer) => void {
  return (w) => {
    w.nullableString(null).int16(-1).int32(5000);
    w.array([topic], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).bytes(batch)));
  };
}

function readProduce(body: Reader): { error: number; baseOffset: number } {
  body.int32();
  body.string();
  body.int32();
  body.int32();
  return { error: body.int16(), baseOffset: body.int64() };
}

describe(startBroker.name, () => {
  let dataDir: string;
  let broker: BrokerHandle;
  let client: RawClient;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'broker-spec-'));
    broker = await startBroker({ dataDir, quiet: true, defaultPartitions: 1 });
    client = await RawClient.connect(broker.port);
  });
  afterEach(async () => {
    client.close();
    await broker.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function createTopic(name: string): Promise<void> {
    client.send(ApiKey.Metadata, 4, (w) => w.array([name], (w, t) => w.string(t)).bool(true));
    await client.next();
  }

  it('answers in request order on a connection even when an earlier fetch is parked, and serves other connections meanwhile', async () => {
    await createTopic('ordered');
    const sentAt = Date.now();
    const fetchId = client.send(ApiKey.Fetch, 11, (w) => {
      w.int32(-1)
        .int32(400)
        .int32(1)
        .int32(1 << 20)
        .int8(0)
        .int32(0)
        .int32(-1);
      w.array(['ordered'], (w, t) =>
        w.string(t).array([0], (w, p) =>
          w
            .int32(p)
            .int32(-1)
            .int64(0)
            .int64(-1)
            .int32(1 << 20),
        ),
      );
      w.array([], () => undefined).string('');
    });
    const versionsId = client.send(ApiKey.ApiVersions, 2, () => undefined);
    const other = await RawClient.connect(broker.port);
    const started = Date.now();
    other.send(ApiKey.ApiVersions, 2, () => undefined);
    await other.next();
    expect(Date.now() - started).toBeLessThan(300);
    other.close();

    const first = await client.next();
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(350);
    const second = await client.next();
    expect([first.correlationId, second.correlationId]).toEqual([fetchId, versionsId]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER and accepts a retry with its original offset', async () => {
    await createTopic('idem');
    client.send(ApiKey.InitProducerId, 1, (w) => w.nullableString(null).int32(60000));
    const init = (await client.next()).body;
    init.int32();
    expect(init.int16()).toBe(ErrorCode.NONE);
    const producerId = init.int64();
    const batch = (seq: number): Buffer =>
      buildRecordBatch([{ key: null, value: Buffer.from(`v${seq}`) }], {
        producerId,
        producerEpoch: 0,
        baseSequence: seq,
      });

    client.send(ApiKey.Produce, 7, produceBody('idem', batch(0)));
    expect(readProduce((await client.next()).body)).toEqual({
      error: ErrorCode.NONE,
      baseOffset: 0,
    });
    client.send(ApiKey.Produce, 7, produceBody('idem', batch(1)));
    expect(readProduce((await client.next()).body)).toEqual({
      error: ErrorCode.NONE,
      baseOffset: 1,
    });
    client.send(ApiKey.Produce, 7, produceBody('idem', batch(0)));
    expect(readProduce((await client.next()).body)).toEqual({
      error: ErrorCode.NONE,
      baseOffset: 0,
    });
    client.send(ApiKey.Produce, 7, produceBody('idem', batch(5)));
    expect(readProduce((await client.next()).body).error).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    expect(broker.stats().topics.find((t) => t.name === 'idem')?.partitions[0].logEndOffset).toBe(
      2,
    );
  });

  it('answers an unsupported version of a known key with UNSUPPORTED_VERSION and keeps the connection', async () => {
    client.send(ApiKey.Metadata, 99, () => undefined);
    const refused = await client.next();
    expect(refused.body.int16()).toBe(ErrorCode.UNSUPPORTED_VERSION);
    client.send(ApiKey.ApiVersions, 0, () => undefined);
    expect((await client.next()).body.int16()).toBe(ErrorCode.NONE);
  });

  it('closes only the connection that sends an oversize frame', async () => {
    const bad = await RawClient.connect(broker.port);
    const closed = new Promise<void>((resolve) => bad.socket.once('close', () => resolve()));
    bad.socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    await closed;
    client.send(ApiKey.ApiVersions, 1, () => undefined);
    expect((await client.next()).body.int16()).toBe(ErrorCode.NONE);
  });

  it('keeps records, committed offsets and the producer-id counter across a restart', async () => {
    await createTopic('kept');
    client.send(
      ApiKey.Produce,
      7,
      produceBody('kept', buildRecordBatch([{ key: null, value: Buffer.from('x') }])),
    );
    await client.next();
    client.send(ApiKey.OffsetCommit, 2, (w) => {
      w.string('g').int32(-1).string('').int64(-1);
      w.array(['kept'], (w, t) =>
        w.string(t).array([0], (w, p) => w.int32(p).int64(1).nullableString(null)),
      );
    });
    await client.next();
    client.send(ApiKey.InitProducerId, 0, (w) => w.nullableString(null).int32(60000));
    const firstInit = (await client.next()).body;
    firstInit.int32();
    firstInit.int16();
    const firstId = firstInit.int64();
    client.close();
    await broker.stop();

    broker = await startBroker({ dataDir, quiet: true });
    client = await RawClient.connect(broker.port);
    const stats = broker.stats();
    expect(stats.topics.find((t) => t.name === 'kept')?.partitions[0].logEndOffset).toBe(1);
    expect(stats.groups.find((g) => g.groupId === 'g')?.offsets).toEqual([
      { topic: 'kept', partition: 0, committedOffset: 1, logEndOffset: 1, lag: 0 },
    ]);
    client.send(ApiKey.InitProducerId, 0, (w) => w.nullableString(null).int32(60000));
    const init = (await client.next()).body;
    init.int32();
    init.int16();
    expect(init.int64()).toBeGreaterThan(firstId);
  });
});
