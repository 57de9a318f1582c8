import { constants } from 'node:fs';
import { FileHandle, open, unlink } from 'node:fs/promises';

/**
 * O_DIRECT wants the buffer's address, the file offset and the length aligned to the device's
 * logical block (512 bytes on this machine's disk); 4096 also covers 4Kn disks.
 */
export const DIRECT_ALIGNMENT = 4096;

/** Bytes copied into one aligned staging buffer before it is written (a multiple of DIRECT_ALIGNMENT). */
export const DEFAULT_DIRECT_CHUNK_BYTES = 8 * 1024 * 1024;

const WASM_PAGE = 64 * 1024;

interface WasmMemoryConstructor {
  new (descriptor: { initial: number }): { buffer: ArrayBuffer };
}

/**
 * A buffer whose address is aligned for O_DIRECT, or undefined where none can be had. Node's
 * Buffers come from malloc (16-byte aligned); a WebAssembly memory is mapped by V8 on its own
 * pages, so a view over it starts on a page boundary.
 */
export function alignedBuffer(bytes: number): Buffer | undefined {
  const Memory = (globalThis as { WebAssembly?: { Memory?: WasmMemoryConstructor } }).WebAssembly?.Memory;
  if (Memory === undefined || bytes % DIRECT_ALIGNMENT !== 0) return undefined;
  try {
    return Buffer.from(new Memory({ initial: Math.ceil(bytes / WASM_PAGE) }).buffer, 0, bytes);
  } catch {
    return undefined;
  }
}

/** Writes all of `buffers` at the file's start (writev may write less than asked). */
async function writeAllBuffered(file: FileHandle, buffers: Buffer[]): Promise<void> {
  let position = 0;
  let pending = buffers;
  while (pending.length > 0) {
    const { bytesWritten } = await file.writev(pending, position);
    position += bytesWritten;
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const buffer of pending) {
      if (skip >= buffer.length) skip -= buffer.length;
      else {
        rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
        skip = 0;
      }
    }
    pending = rest;
  }
}

async function writeFully(file: FileHandle, buffer: Buffer, length: number, position: number): Promise<void> {
  for (let done = 0; done < length; ) {
    const { bytesWritten } = await file.write(buffer, done, length - done, position + done);
    if (bytesWritten <= 0) throw Object.assign(new Error('O_DIRECT write wrote nothing'), { code: 'EIO' });
    done += bytesWritten;
  }
}

export interface PackWriterOptions {
  /** false: always write through the page cache (the former behaviour). Default true. */
  direct?: boolean;
  /** Size of each aligned staging buffer (a multiple of DIRECT_ALIGNMENT); default 8 MiB. */
  directChunkBytes?: number;
}

/**
 * Writes a new pack file (the bodies one after the other from offset 0) and flushes it with
 * fdatasync before resolving; the caller flushes the directory.
 *
 * Direct mode (the default, where the filesystem allows it): the bodies are copied into an aligned
 * staging buffer and written with O_DIRECT, so the kernel does not copy them into the page cache
 * and write the dirty pages back at fdatasync. On this machine (ext4 on a virtio disk), writing a
 * 50-body pack of 200 KB bodies cost 0.64-0.70 ms of kernel CPU per body through the page cache
 * (libuv's threads: the copy, dirty-page accounting and writeback) and 0.01 ms with O_DIRECT, plus
 * 0.075 ms of main-thread memcpy into the staging buffer. The file's tail is padded with zeros to
 * the alignment: the index gives each body's offset and length, so readers never see the padding.
 * A filesystem that refuses O_DIRECT (EINVAL: tmpfs on older kernels, some network filesystems)
 * switches this writer to the page cache for good.
 */
export class PackWriter {
  private direct: boolean;
  private readonly chunkBytes: number;
  /** Idle staging buffers; one per concurrent write is created on demand, at most MAX_IDLE kept. */
  private readonly idle: Buffer[] = [];
  private static readonly MAX_IDLE = 4;

  constructor(options: PackWriterOptions = {}) {
    this.chunkBytes = options.directChunkBytes ?? DEFAULT_DIRECT_CHUNK_BYTES;
    if (this.chunkBytes <= 0 || this.chunkBytes % DIRECT_ALIGNMENT !== 0) throw new Error(`directChunkBytes must be a positive multiple of ${DIRECT_ALIGNMENT}`);
    this.direct = (options.direct ?? true) && typeof constants.O_DIRECT === 'number';
  }

  /** Whether the next pack is written with O_DIRECT. */
  get usesDirectIo(): boolean {
    return this.direct;
  }

  async write(path: string, bodies: Buffer[]): Promise<void> {
    if (this.direct) {
      const staging = this.idle.pop() ?? alignedBuffer(this.chunkBytes);
      if (staging !== undefined) {
        try {
          if (await this.writeDirect(path, bodies, staging)) return;
        } finally {
          if (this.idle.length < PackWriter.MAX_IDLE) this.idle.push(staging);
        }
      }
      this.direct = false;
    }
    const file = await open(path, 'wx');
    try {
      await writeAllBuffered(file, bodies);
      await file.datasync();
    } finally {
      await file.close();
    }
  }

  /** false when the filesystem refuses O_DIRECT (nothing is left at `path` then). */
  private async writeDirect(path: string, bodies: Buffer[], staging: Buffer): Promise<boolean> {
    let file: FileHandle;
    try {
      file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DIRECT, 0o666);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EINVAL') return false;
      throw error;
    }
    let refused = false;
    try {
      let position = 0;
      let used = 0;
      for (const body of bodies) {
        for (let from = 0; from < body.length; ) {
          const copied = body.copy(staging, used, from);
          used += copied;
          from += copied;
          if (used === staging.length) {
            await writeFully(file, staging, used, position);
            position += used;
            used = 0;
          }
        }
      }
      if (used > 0) {
        const padded = Math.ceil(used / DIRECT_ALIGNMENT) * DIRECT_ALIGNMENT;
        staging.fill(0, used, padded);
        await writeFully(file, staging, padded, position);
      }
      await file.datasync();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
      refused = true;
    } finally {
      await file.close();
    }
    if (refused) await unlink(path);
    return !refused;
  }
}
