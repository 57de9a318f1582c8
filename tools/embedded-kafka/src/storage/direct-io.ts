// O_DIRECT appends for large produce requests. Writing through the page cache costs the broker a
// kernel copy into freshly allocated page-cache pages and their writeback at fsync; on a VM whose
// free memory is handed back to the host, each fresh page is also a host page fault. A direct
// write hands the bytes to the disk from one reused, aligned staging buffer instead.
//
// O_DIRECT wants the buffer's address, the file offset and the length aligned to the device's
// logical block. Batches have any length, so a direct append starts at the aligned start of the
// block holding the log's current end (its bytes are re-sent from a copy kept in memory, the
// "tail") and is padded with zeros up to the next aligned end. The padding lies past the log's
// logical size: readers never read it, a clean roll or close truncates it, and recovery after a
// crash drops it with the rest of any unreadable tail.
import * as fs from 'node:fs';

/** 512 bytes is the logical block of most disks; 4096 also covers 4Kn disks. */
export const DIRECT_ALIGNMENT = 4096;
/** The staging buffer: larger appends are written in pieces of this size. */
export const DIRECT_STAGING_BYTES = 4 * 1024 * 1024;

const WASM_PAGE = 64 * 1024;

interface WasmMemoryConstructor {
  new (descriptor: { initial: number; maximum?: number }): { buffer: ArrayBuffer };
}

/**
 * A buffer whose address is aligned for O_DIRECT, or null where none can be had. Node's Buffers
 * come from malloc (16-byte aligned); V8 maps a WebAssembly memory on its own pages, so a view
 * over one starts on a page boundary.
 */
export function alignedBuffer(bytes: number): Buffer | null {
  const Memory = (globalThis as { WebAssembly?: { Memory?: WasmMemoryConstructor } }).WebAssembly
    ?.Memory;
  if (Memory === undefined || bytes % DIRECT_ALIGNMENT !== 0) return null;
  try {
    const pages = Math.ceil(bytes / WASM_PAGE);
    return Buffer.from(new Memory({ initial: pages, maximum: pages }).buffer, 0, bytes);
  } catch {
    return null;
  }
}

let staging: Buffer | null | undefined;

/** The process's one staging buffer (appends are synchronous, so one is enough), or null. */
export function directStaging(): Buffer | null {
  if (staging === undefined) staging = alignedBuffer(DIRECT_STAGING_BYTES);
  return staging;
}

/**
 * Opens `file` for direct writes, or returns -1 when the file system refuses O_DIRECT (tmpfs on
 * older kernels, some network file systems) or the platform has no such flag.
 */
export function openDirect(file: string): number {
  const flag = fs.constants.O_DIRECT;
  if (typeof flag !== 'number' || directStaging() === null) return -1;
  try {
    return fs.openSync(file, fs.constants.O_WRONLY | flag);
  } catch {
    return -1;
  }
}

/** Writes `length` bytes of `buffer` at `position`, looping over short writes. */
export function writeFullyAt(fd: number, buffer: Buffer, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = fs.writeSync(fd, buffer, done, length - done, position + done);
    if (n <= 0) throw new Error(`short write: ${done} of ${length} bytes`);
    done += n;
  }
}
