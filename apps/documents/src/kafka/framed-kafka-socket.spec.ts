import { randomBytes } from 'node:crypto';
import { AddressInfo, Server, Socket, createServer } from 'node:net';
import { seededRandom } from '@dmp/domain';
import { waitFor } from '@dmp/testing';
import { FETCH_API_KEY, ResponseFramer, framedKafkaSocketFactory } from './framed-kafka-socket';

function frameOf(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

/** Delivers `stream` to the framer the way a socket would: reads of at most `readSizes()` bytes into the buffer it offers. */
function feed(sut: ResponseFramer, stream: Buffer, readSizes: () => number): void {
  for (let at = 0; at < stream.length; ) {
    const target = sut.nextBuffer();
    const bytes = Math.min(target.length, readSizes(), stream.length - at);
    stream.copy(target, 0, at, at + bytes);
    at += bytes;
    sut.onRead(bytes, target);
  }
}

describe(ResponseFramer.name, () => {
  const payloads = [randomBytes(0), randomBytes(10), randomBytes(200_000), randomBytes(3), randomBytes(70_000), randomBytes(65_530), randomBytes(1_000_000)];
  const stream = Buffer.concat(payloads.map(frameOf));

  it.each([
    ['one byte at a time over the small ones', 1],
    ['reads cutting sizes in two', 3],
    ['64 KB reads', 64 * 1024],
    ['reads larger than any response', 4 * 1024 * 1024],
  ])('emits each whole response once, in order, with %s', (_name, readSize) => {
    const emitted: Buffer[] = [];
    const sut = new ResponseFramer((response) => emitted.push(response));
    // One-byte reads over a megabyte would take long: small reads for the first 300 KB only.
    let delivered = 0;
    feed(sut, stream, () => {
      const size = delivered < 300_000 ? readSize : Math.max(readSize, 64 * 1024);
      delivered += size;
      return size;
    });

    expect(emitted.map((e) => e.toString('hex'))).toEqual(payloads.map((p) => frameOf(p).toString('hex')));
  });

  it('emits the same responses whatever the random read sizes', () => {
    const random = seededRandom(5);
    const emitted: Buffer[] = [];
    const sut = new ResponseFramer((response) => emitted.push(response));

    feed(sut, stream, () => 1 + Math.floor(random() * 100_000));

    expect(Buffer.concat(emitted).equals(stream)).toBe(true);
    expect(emitted).toHaveLength(payloads.length);
  });

  it('reads a large response in place: the bytes after its first read go straight into the emitted buffer', () => {
    const emitted: Buffer[] = [];
    const sut = new ResponseFramer((response) => emitted.push(response));
    const big = frameOf(randomBytes(500_000));

    feed(sut, big.subarray(0, 1000), () => 1000);
    const target = sut.nextBuffer();

    expect(target.length).toBe(big.length - 1000);
    big.copy(target, 0, 1000);
    sut.onRead(target.length, target);
    expect(emitted).toHaveLength(1);
    expect(emitted[0].buffer).toBe(target.buffer);
    expect(emitted[0].equals(big)).toBe(true);
  });

  describe('reusing fetch buffers', () => {
    const big = (seed: number, bytes: number): Buffer => frameOf(Buffer.alloc(bytes, seed));

    it('reads the response after the next Fetch request into the previous response\'s buffer', () => {
      const emitted: Buffer[] = [];
      const sut = new ResponseFramer((response) => emitted.push(response), { reuseFetchBuffers: true });

      sut.onRequest(FETCH_API_KEY);
      feed(sut, big(1, 3_000_000), () => 64 * 1024);
      sut.onRequest(FETCH_API_KEY);
      feed(sut, big(2, 2_000_000), () => 64 * 1024);

      expect(emitted).toHaveLength(2);
      expect(emitted[1].buffer).toBe(emitted[0].buffer);
      expect(emitted[1].equals(big(2, 2_000_000))).toBe(true);
      expect(sut.slabsAllocated).toBe(1);
    });

    it('never reads into a buffer whose response was delivered after the last Fetch request', () => {
      const emitted: Buffer[] = [];
      const sut = new ResponseFramer((response) => emitted.push(response), { reuseFetchBuffers: true });

      sut.onRequest(FETCH_API_KEY);
      feed(sut, big(1, 3_000_000), () => 64 * 1024);
      feed(sut, big(2, 3_000_000), () => 64 * 1024);

      expect(emitted[1].buffer).not.toBe(emitted[0].buffer);
      expect(emitted[0].equals(big(1, 3_000_000))).toBe(true);
    });

    it('takes a larger buffer for a response that does not fit the free one', () => {
      const emitted: Buffer[] = [];
      const sut = new ResponseFramer((response) => emitted.push(response), { reuseFetchBuffers: true });

      sut.onRequest(FETCH_API_KEY);
      feed(sut, big(1, 1_000_000), () => 64 * 1024);
      sut.onRequest(FETCH_API_KEY);
      feed(sut, big(2, 9_000_000), () => 64 * 1024);
      sut.onRequest(FETCH_API_KEY);
      feed(sut, big(3, 5_000_000), () => 64 * 1024);

      expect(emitted[1].buffer).not.toBe(emitted[0].buffer);
      expect(emitted[2].buffer).toBe(emitted[1].buffer);
      expect(emitted[2].equals(big(3, 5_000_000))).toBe(true);
      expect(sut.slabsAllocated).toBe(2);
    });

    it.each([
      ['another request than Fetch', [FETCH_API_KEY, 3]],
      ['a Fetch written while another is unanswered', [FETCH_API_KEY, FETCH_API_KEY]],
    ])('stops reusing buffers on %s', (_name, apiKeys) => {
      const emitted: Buffer[] = [];
      const sut = new ResponseFramer((response) => emitted.push(response), { reuseFetchBuffers: true });
      sut.onRequest(FETCH_API_KEY);
      feed(sut, big(1, 2_000_000), () => 64 * 1024);

      for (const apiKey of apiKeys) sut.onRequest(apiKey);
      feed(sut, big(2, 2_000_000), () => 64 * 1024);
      sut.onRequest(FETCH_API_KEY);
      feed(sut, big(3, 2_000_000), () => 64 * 1024);

      expect(sut.reusesBuffers).toBe(false);
      expect(new Set(emitted.map((e) => e.buffer)).size).toBe(3);
      expect(emitted.map((e) => e[4])).toEqual([1, 2, 3]);
    });

    it('is off unless asked for', () => {
      const emitted: Buffer[] = [];
      const sut = new ResponseFramer((response) => emitted.push(response));

      for (const seed of [1, 2]) {
        sut.onRequest(FETCH_API_KEY);
        feed(sut, big(seed, 2_000_000), () => 64 * 1024);
      }

      expect(emitted[1].buffer).not.toBe(emitted[0].buffer);
      expect(sut.slabsAllocated).toBe(0);
    });
  });

  it('refuses a negative size (the peer does not speak Kafka)', () => {
    const sut = new ResponseFramer(() => undefined);
    const target = sut.nextBuffer();
    target.writeInt32BE(-5);

    expect(() => sut.onRead(4, target)).toThrow(/negative size/);
  });
});

describe(framedKafkaSocketFactory.name, () => {
  let server: Server;
  let client: Socket | undefined;
  const peers: Socket[] = [];

  beforeAll(async () => {
    server = createServer((peer) => peers.push(peer));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    client?.destroy();
    peers.forEach((p) => p.destroy());
    await new Promise((resolve) => server.close(resolve));
  });

  it("gives kafkajs 'data' events of whole responses over a real connection", async () => {
    const port = (server.address() as AddressInfo).port;
    let connected = false;
    const sut = framedKafkaSocketFactory();
    client = sut({ host: '127.0.0.1', port, ssl: undefined as never, onConnect: () => (connected = true) });
    const received: Buffer[] = [];
    client.on('data', (data: Buffer) => received.push(data));
    await waitFor(() => connected && peers.length === 1, { timeoutMs: 5_000, message: 'connected' });
    const payloads = [randomBytes(5), randomBytes(3_000_000), randomBytes(17)];
    const stream = Buffer.concat(payloads.map(frameOf));

    // Written in uneven pieces, the first one ending inside a size.
    peers[0].write(stream.subarray(0, 11));
    peers[0].write(stream.subarray(11, 100_000));
    peers[0].write(stream.subarray(100_000));

    await waitFor(() => received.length === payloads.length, { timeoutMs: 10_000, message: 'all responses received' });
    expect(received.map((r) => r.length)).toEqual(payloads.map((p) => p.length + 4));
    expect(Buffer.concat(received).equals(stream)).toBe(true);
  });
});
