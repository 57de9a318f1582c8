import { Socket, connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { ISocketFactory } from 'kafkajs';

/** Read buffer between responses (a response's first bytes, and whole small responses). */
const SCRATCH_BYTES = 64 * 1024;
const KEEP_ALIVE_DELAY_MS = 60_000;

/**
 * Cuts a Kafka connection's byte stream into whole responses (4-byte big-endian size, then that
 * many bytes), reading each large response straight into its own buffer: `nextBuffer()` gives the
 * socket the place where the next bytes go, `onRead()` is told how many came.
 */
export class ResponseFramer {
  private readonly scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  /** The response being read in place, and how much of it is filled. */
  private frame: Buffer | undefined;
  private filled = 0;
  /** Up to 3 bytes of a size that a read cut in two. */
  private partialSize: Buffer | undefined;

  constructor(private readonly emit: (response: Buffer) => void) {}

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
        this.emit(response);
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
        // The rest of this response is read in place: allocUnsafeSlow, never a pool slice, since
        // it lives as long as the messages decoded from it.
        this.frame = Buffer.allocUnsafeSlow(total);
        this.filled = data.copy(this.frame, 0);
        return;
      }
      // A copy: the scratch buffer is read into again.
      this.emit(Buffer.from(data.subarray(0, total)));
      data = data.subarray(total);
    }
    if (data.length > 0) this.partialSize = Buffer.from(data);
  }
}

/**
 * PLATFORM-GAP: a kafkajs socket factory that belongs in @dmp/messaging; here because only this
 * service's consumer reads fetch responses of tens of megabytes (the option that passes it in,
 * MessagingModuleOptions.socketFactory, is in @dmp/messaging).
 *
 * Plain sockets whose 'data' events carry whole Kafka responses, each large one read by the kernel
 * straight into one buffer of its size. kafkajs's own sockets deliver 64 KB chunks (each a new
 * buffer) that kafkajs concatenates into the response once it is complete: for 200 KB documents
 * that was 400 KB of buffers allocated and 200 KB copied by the main thread per document, and
 * the chunks' external memory brought V8's major garbage collections forward. kafkajs handles a
 * 'data' event holding exactly one response without copying it. TLS connections keep kafkajs's
 * ordinary sockets.
 */
export function framedKafkaSocketFactory(): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    if (ssl) {
      const tlsSocket = connectTls({ host, port, ...ssl }, onConnect);
      tlsSocket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
      return tlsSocket;
    }
    // The callbacks run on reads, which start after connect() has returned and `socket` is set.
    const framer = new ResponseFramer((response) => socket.emit('data', response));
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
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    return socket;
  };
}
