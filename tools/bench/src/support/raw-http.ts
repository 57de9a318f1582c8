import { connect, Socket } from 'node:net';

/**
 * A bench client: one keep-alive HTTP/1.1 connection on a raw socket, one request at a time
 * (no pipelining), the answer read by its Content-Length. The same requests as node:http's
 * client at a fraction of its CPU (node:http cost ~0.3 ms per request here): the clients share
 * the two cores with what they measure, so their own cost should stay small and be printed.
 */
export class RawHttpConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: {
    resolve: (answer: RawHttpAnswer) => void;
    reject: (error: Error) => void;
  } | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawHttpConnection> {
    return new Promise((resolveOpen, reject) => {
      const socket = connect(port, host, () => resolveOpen(new RawHttpConnection(socket)));
      socket.once('error', reject);
    });
  }

  get(path: string, token: string): Promise<RawHttpAnswer> {
    return this.send(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
  }

  post(path: string, token: string, body: string): Promise<RawHttpAnswer> {
    return this.send(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  close(): void {
    this.waiting = null;
    this.socket.destroy();
  }

  private send(head: string): Promise<RawHttpAnswer> {
    return new Promise((resolveSend, reject) => {
      if (this.waiting) {
        reject(new Error('RawHttpConnection: one request at a time'));
        return;
      }
      this.waiting = { resolve: resolveSend, reject };
      this.socket.write(head);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.buffer.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) return this.fail(new Error(`answer without Content-Length: ${head}`));
    const end = headEnd + 4 + Number(length[1]);
    if (this.buffer.length < end) return;
    const body = this.buffer.subarray(headEnd + 4, end);
    this.buffer = this.buffer.subarray(end);
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.resolve({ status: Number(head.slice(9, 12)), body });
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(error);
  }
}

export interface RawHttpAnswer {
  status: number;
  body: Buffer;
}
