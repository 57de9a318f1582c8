import { randomFillSync } from 'node:crypto';

// Random bytes drawn 4 KB at a time: one system call per 409 ids instead of one per id.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
let lastMs = -1;
let sequence = 0;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A new record id: a UUID version 7 (RFC 9562), whose first 48 bits are the Unix time in
 * milliseconds, then 12 bits of a counter within the millisecond, then random bits. Ids made
 * later sort later, so the primary key index grows at its right edge: an insert touches the
 * last leaf pages, which stay in memory, instead of a random page of the whole index, and the
 * write-ahead log carries far fewer full-page images (random v4 ids scattered each campaign's
 * rows over the whole index). The id still tells nothing but the creation instant, which the
 * record shows anyway (openedAt).
 */
export function newRecordId(now = Date.now()): string {
  if (poolOffset + 10 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  if (now > lastMs) {
    lastMs = now;
    sequence = pool[poolOffset] & 0x7f; // start low in the 12 bits, leaving room to count up
  } else {
    // Same millisecond (or a clock step back): keep the order with the counter.
    sequence++;
    if (sequence > 0xfff) {
      lastMs++;
      sequence = 0;
    }
  }
  const ms = lastMs;
  const b = pool;
  const o = poolOffset;
  poolOffset += 10;
  const timeHigh = Math.floor(ms / 0x10000);
  const timeLow = ms % 0x10000;
  const hex = (v: number, bytes: number): string => {
    let s = '';
    for (let i = bytes - 1; i >= 0; i--) s += HEX[Math.floor(v / 2 ** (8 * i)) & 0xff];
    return s;
  };
  return (
    `${hex(timeHigh, 4)}-${hex(timeLow, 2)}-${HEX[0x70 | (sequence >> 8)]}${HEX[sequence & 0xff]}-` +
    `${HEX[0x80 | (b[o] & 0x3f)]}${HEX[b[o + 1]]}-${HEX[b[o + 2]]}${HEX[b[o + 3]]}${HEX[b[o + 4]]}${HEX[b[o + 5]]}${HEX[b[o + 6]]}${HEX[b[o + 7]]}`
  );
}
