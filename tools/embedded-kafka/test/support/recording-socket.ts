// A kafkajs socketFactory that keeps a copy of every request frame the client writes. kafkajs
// writes one whole frame per socket.write, so each recorded chunk is exactly one request: the
// tests replay them (idempotent retry) and the fuzzer mutates them (valid requests of every key).
import { connect } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

export interface RecordedFrame {
  apiKey: number;
  apiVersion: number;
  bytes: Buffer;
}

export function recordingSocketFactory(sink: RecordedFrame[]): ISocketFactory {
  return ({ host, port, onConnect }) => {
    const socket = connect({ host, port }, onConnect);
    socket.setNoDelay(true);
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, 'binary');
      if (bytes.length >= 8) sink.push({ apiKey: bytes.readInt16BE(4), apiVersion: bytes.readInt16BE(6), bytes: Buffer.from(bytes) });
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  };
}
