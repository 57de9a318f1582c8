/**
 * kafkajs 2.2.4's Connection.processData keeps the bytes after each response as its next first
 * chunk, an empty buffer when the response ended the data; the next 'data' event is then a second
 * chunk, and `Buffer.concat([empty, data])` copies the whole next response. With sockets that
 * deliver each response whole (framedKafkaSocketFactory) that was a copy of every fetch response:
 * 200 KB of main-thread memcpy and 200 KB of fresh external memory per 200 KB document.
 *
 * The patch drops that empty leading chunk before the data is appended, so a 'data' event holding
 * one whole response is decoded in place. Buffered bytes, response sizes and every other path are
 * unchanged: a non-empty remainder is still joined to the next chunk as before.
 */
interface ConnectionInternals {
  chunks: Buffer[];
  processData(rawData: Buffer): void;
}

// kafkajs exports no type for its internal module; the shape used is the one above.
const Connection = require('kafkajs/src/network/connection') as {
  prototype: ConnectionInternals & { __dmpWholeResponseFixed?: boolean };
};

export function applyKafkajsWholeResponseFix(): void {
  const prototype = Connection.prototype;
  if (prototype.__dmpWholeResponseFixed) return;
  const original = prototype.processData;
  prototype.processData = function (this: ConnectionInternals, rawData: Buffer): void {
    if (this.chunks.length === 1 && this.chunks[0].length === 0) this.chunks = [];
    original.call(this, rawData);
  };
  prototype.__dmpWholeResponseFixed = true;
}
