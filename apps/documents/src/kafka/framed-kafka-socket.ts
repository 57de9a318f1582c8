import { Socket, connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { ISocketFactory } from 'kafkajs';
import { applyKafkajsWholeResponseFix } from '@dmp/messaging';

/** Read buffer between responses (a response's first bytes, and whole small responses). */
const SCRATCH_BYTES = 64 * 1024;
const KEEP_ALIVE_DELAY_MS = 60_000;
/** Kafka's api key of Fetch requests. */
export const FETCH_API_KEY = 1;
/** Reused response buffers are allocated in multiples of this, so that slightly larger responses still fit. */
const SLAB_GRANULE_BYTES = 4 * 1024 * 1024;

export interface ResponseFramerOptions {
  /**
   * Read large responses into a buffer that is used again once the connection has sent its next
   * Fetch request (see framedKafkaSocketFactory for why that is safe), instead of a fresh buffer per
   * response. Default false.
   */
  reuseFetchBuffers?: boolean;
}

/**
 * Cuts a Kafka connection's byte stream into whole responses (4-byte big-endian size, then that
 * many bytes), reading each large response straight into its own buffer: `nextBuffer()` gives the
 * socket the place where the next bytes go, `onRead()` is told how many came, `onRequest()` is
 * told of each request written.
 *
 * With reuseFetchBuffers, a connection that carries only Fetch requests, one at a time, reads its
 * large responses into a slab that it takes back when the next Fetch request is written: the
 * consumer (kafkajs 2.2.4's fetcher, one per broker, on a connection of its own) sends that request
 * only once every batch of the previous response has been handled. A fresh slab of a few tens of
 * MiB per fetch (and V8's external-memory accounting of it) was what brought the service's major
 * garbage collections forward: 4.7-7.4 per 1,000 documents of 200 KB, and 90 minor page faults
 * per document. Any other request on the connection, or a Fetch written while another is still
 * unanswered (a timed-out fetch retried), turns reuse off for that connection for good.
 */
export class ResponseFramer {
  private readonly scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  /** The response being read in place, and how much of it is filled. */
  private frame: Buffer | undefined;
  private filled = 0;
  /** Up to 3 bytes of a size that a read cut in two. */
  private partialSize: Buffer | undefined;
  private reuse: boolean;
  /** A slab no response in use lives in: the next large response is read into it if it fits. */
  private freeSlab: Buffer | undefined;
  /** Slabs holding responses delivered since the last Fetch request. */
  private lent: Buffer[] = [];
  /** Requests written minus responses delivered. */
  private unanswered = 0;
  /** Slabs allocated so far (for tests and diagnostics). */
  slabsAllocated = 0;

  constructor(
    private readonly emit: (response: Buffer) => void,
    options: ResponseFramerOptions = {},
  ) {
    this.reuse = options.reuseFetchBuffers ?? false;
  }

  /** Whether large responses are still read into reused slabs on this connection. */
  get reusesBuffers(): boolean {
    return this.reuse;
  }

  /** A request with this api key is being written on the connection. */
  onRequest(apiKey: number): void {
    if (this.reuse && (apiKey !== FETCH_API_KEY || this.unanswered > 0)) {
      this.reuse = false;
      this.freeSlab = undefined;
      this.lent = [];
    }
    this.unanswered++;
    if (!this.reuse) return;
    // Every response delivered before this Fetch has been handled: its slab is free again.
    for (const slab of this.lent) if (this.freeSlab === undefined || slab.length > this.freeSlab.length) this.freeSlab = slab;
    this.lent = [];
  }

  nextBuffer(): Buffer {
    return this.frame === undefined ? this.scratch : this.frame.subarray(this.filled);
  }

  /** `buffer` is the one `nextBuffer()` gave for this read. Throws on a negative size (not Kafka). */
  onRead(bytes: number, buffer: Uint8Array): void {
    if (this.frame !== undefined && buffer !== this.scratch) {
      this.filled += bytes;
      if (this.filled === this.frame.length) {
        const response = this.frame;
        this.frame = undefined;
        this.deliver(response);
      }
      return;
    }
    let data = this.scratch.subarray(0, bytes);
    if (this.partialSize !== undefined) {
      data = Buffer.concat([this.partialSize, data]);
      this.partialSize = undefined;
    }
    while (data.length >= 4) {
      const size = data.readInt32BE(0);
      if (size < 0) throw new Error(`Kafka response of negative size ${size}`);
      const total = 4 + size;
      if (data.length < total) {
        // The rest of this response is read in place.
        this.frame = this.frameOf(total);
        this.filled = data.copy(this.frame, 0);
        return;
      }
      // A copy: the scratch buffer is read into again.
      this.deliver(Buffer.from(data.subarray(0, total)));
      data = data.subarray(total);
    }
    if (data.length > 0) this.partialSize = Buffer.from(data);
  }

  private deliver(response: Buffer): void {
    this.unanswered = Math.max(0, this.unanswered - 1);
    this.emit(response);
  }

  /**
   * A buffer of `total` bytes for one response: a reused slab, or allocUnsafeSlow (never a pool
   * slice: it lives as long as the messages decoded from it).
   */
  private frameOf(total: number): Buffer {
    if (!this.reuse) return Buffer.allocUnsafeSlow(total);
    let slab = this.freeSlab;
    this.freeSlab = undefined;
    if (slab === undefined || slab.length < total) {
      slab = Buffer.allocUnsafeSlow(Math.ceil(total / SLAB_GRANULE_BYTES) * SLAB_GRANULE_BYTES);
      this.slabsAllocated++;
    }
    this.lent.push(slab);
    return slab.subarray(0, total);
  }
}

/**
 * PLATFORM-GAP: a kafkajs socket factory that belongs in @dmp/messaging; here because only this
 * service's consumer reads fetch responses of tens of megabytes (the option that passes it in,
 * MessagingModuleOptions.socketFactory, is in @dmp/messaging).
 *
 * Plain sockets whose 'data' events carry whole Kafka responses, each large one read by the kernel
 * straight into one buffer. kafkajs's own sockets deliver 64 KB chunks (each a new buffer) that
 * kafkajs concatenates into the response once it is complete: for 200 KB documents that was 400 KB
 * of buffers allocated and 200 KB copied by the main thread per document, and the chunks' external
 * memory brought V8's major garbage collections forward. With the fix applied here
 * (applyKafkajsWholeResponseFix), kafkajs handles a 'data' event holding exactly one response
 * without copying it. TLS connections keep kafkajs's ordinary sockets.
 *
 * `reuseFetchBuffers` (see ResponseFramer): a connection that carries only Fetch requests reads its
 * responses into a slab it takes back at its next Fetch request. This relies on kafkajs 2.2.4
 * sending Fetch requests on a connection of their own (ConnectionPool: index 1 for Fetch) from one
 * fetcher per broker, which awaits the handling of every batch of a response (workerQueue.push)
 * before it fetches again; fetched-message-lifetime.integration-spec.ts checks it against the real
 * client and broker. Whatever outlives the handling of its batch must copy its bytes.
 */
export function framedKafkaSocketFactory(options: ResponseFramerOptions = {}): ISocketFactory {
  applyKafkajsWholeResponseFix();
  return ({ host, port, ssl, onConnect }) => {
    if (ssl) {
      const tlsSocket = connectTls({ host, port, ...ssl }, onConnect);
      tlsSocket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
      return tlsSocket;
    }
    // The callbacks run on reads, which start after connect() has returned and `socket` is set.
    const framer = new ResponseFramer((response) => socket.emit('data', response), options);
    const socket: Socket = connect(
      {
        host,
        port,
        onread: {
          buffer: () => framer.nextBuffer(),
          callback: (bytes: number, buffer: Uint8Array) => {
            try {
              framer.onRead(bytes, buffer);
            } catch (error) {
              socket.destroy(error as Error);
              return false;
            }
            return true;
          },
        },
      },
      onConnect,
    );
    // kafkajs writes each request as one buffer: size (4 bytes), api key (2), version, ...
    const write = socket.write;
    socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
      framer.onRequest(Buffer.isBuffer(chunk) && chunk.length >= 6 ? chunk.readInt16BE(4) : -1);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as Socket['write'];
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    return socket;
  };
}
