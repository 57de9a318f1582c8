// Buffers that fetches read segment bytes into, reused once the response holding them has been
// written to the socket. A fresh multi-megabyte buffer per fetch is a fresh mmap: the page
// faults and the kernel zeroing its pages cost about a third of the broker's CPU when serving
// large messages, more than the copy from the page cache itself.
//
// Only what has been released is kept (the free list); a buffer never released (its connection
// closed before the response went out) is simply garbage-collected.

/** Reads below this get a plain allocation (Node's own pool serves them cheaply). */
const MIN_POOLED_BYTES = 64 * 1024;
/** Capacity granularity of pooled buffers. */
const ROUND_BYTES = 64 * 1024;
/** Released buffers kept, in bytes: two fetches of 4 partitions x 16 MiB (services' setting). */
const MAX_FREE_BYTES = 128 * 1024 * 1024;
/** The free list is dropped after this long without a fetch, so an idle broker holds no pool. */
const IDLE_TRIM_MS = 10_000;

const owned = new WeakSet<ArrayBuffer>();
let free: ArrayBuffer[] = [];
let freeBytes = 0;
let lastUse = 0;
let trimTimer: NodeJS.Timeout | null = null;

function scheduleTrim(): void {
  if (trimTimer !== null) return;
  trimTimer = setTimeout(() => {
    trimTimer = null;
    if (Date.now() - lastUse >= IDLE_TRIM_MS) {
      free = [];
      freeBytes = 0;
    } else scheduleTrim();
  }, IDLE_TRIM_MS);
  // Never what keeps a process alive.
  trimTimer.unref();
}

/** A buffer of `size` bytes, from the free list when one fits without wasting half of it. */
export function acquireReadBuffer(size: number): Buffer {
  if (size < MIN_POOLED_BYTES) return Buffer.allocUnsafe(size);
  lastUse = Date.now();
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const capacity = free[i].byteLength;
    if (capacity >= size && capacity <= 2 * size && (best < 0 || capacity < free[best].byteLength))
      best = i;
  }
  if (best >= 0) {
    const ab = free[best];
    free[best] = free[free.length - 1];
    free.pop();
    freeBytes -= ab.byteLength;
    owned.add(ab);
    return Buffer.from(ab, 0, size);
  }
  const capacity = Math.ceil(size / ROUND_BYTES) * ROUND_BYTES;
  const fresh = Buffer.allocUnsafeSlow(capacity);
  owned.add(fresh.buffer);
  return Buffer.from(fresh.buffer, 0, size);
}

/**
 * Gives back the pooled buffers among `chunks` (views of them, such as a fetch response's record
 * data). Call only once nothing reads them any more: after the socket write completed.
 */
export function releaseReadBuffers(chunks: readonly Uint8Array[]): void {
  for (const chunk of chunks) {
    const ab = chunk.buffer as ArrayBuffer;
    if (!owned.has(ab)) continue;
    // Taken out of `owned` while free: a second release of the same buffer is a no-op.
    owned.delete(ab);
    if (freeBytes + ab.byteLength > MAX_FREE_BYTES) continue;
    free.push(ab);
    freeBytes += ab.byteLength;
    scheduleTrim();
  }
}

export const readBufferPoolForTests = {
  freeCount: (): number => free.length,
  freeBytes: (): number => freeBytes,
};
