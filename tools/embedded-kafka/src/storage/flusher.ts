// Group commit of fsyncs: every acks=-1 produce (and offset commit) waiting for durability
// joins the next flush round, and one round fsyncs every dirty file once. While a round runs,
// new writers queue for the following one, so the fsync rate stays bounded whatever the
// request rate.
import * as fs from 'node:fs';
import type { BrokerLogger } from '../logger';

export interface Flushable {
  /** The descriptor to fsync; clears the dirty mark. */
  flushFd(): number;
  /** Bytes written since the last flushFd(), when known (see INLINE_MAX_BYTES). */
  readonly unsyncedBytes?: number;
}

/**
 * A round that has at most this many bytes to sync, in at most INLINE_MAX_FILES files, runs its
 * fdatasync on the event loop's thread instead of libuv's pool. Handing a small fdatasync to the
 * pool costs more CPU than the sync itself: waking a pool thread, then the loop again when it
 * is done, about 60-80 µs of a small acks=-1 produce's 400-500 on a 2-vCPU VM. The price is
 * the event loop waiting for the disk, about 0.2 ms for a few KB (a page or two and no inode
 * once the segment is preallocated): requests arriving meanwhile queue in their sockets and join
 * the next round. Large rounds (documents, 1 MB produce requests) keep the pool, so reads and
 * writes of other connections overlap their longer syncs.
 */
const INLINE_MAX_BYTES = 64 * 1024;
const INLINE_MAX_FILES = 2;

export class GroupFlusher {
  private dirty = new Set<Flushable>();
  private waiters: Array<(error?: Error) => void> = [];
  private running = false;
  private scheduled = false;
  rounds = 0;

  constructor(private readonly logger: BrokerLogger) {}

  /** Resolves once everything written to `target` so far is on disk. */
  flush(target: Flushable): Promise<void> {
    this.dirty.add(target);
    return new Promise<void>((resolve, reject) => {
      this.waiters.push((error) => (error ? reject(error) : resolve()));
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // setImmediate lets every request already read from the sockets join this round.
    setImmediate(() => {
      this.scheduled = false;
      void this.round();
    });
  }

  private async round(): Promise<void> {
    if (this.waiters.length === 0) return;
    this.running = true;
    const targets = [...this.dirty];
    const waiters = this.waiters;
    this.dirty = new Set();
    this.waiters = [];
    let failure: Error | undefined;
    const fail = (error: NodeJS.ErrnoException): void => {
      // EBADF: the segment was deleted or rolled (rolling fsyncs synchronously).
      if (error.code === 'EBADF') return;
      failure = error;
      this.logger.error('fsync failed', { error: error.message });
    };
    let pending = 0;
    for (const t of targets) pending += t.unsyncedBytes ?? Infinity;
    if (targets.length <= INLINE_MAX_FILES && pending <= INLINE_MAX_BYTES) {
      for (const t of targets) {
        try {
          fs.fdatasyncSync(t.flushFd());
        } catch (error) {
          fail(error as NodeJS.ErrnoException);
        }
      }
    } else
      await Promise.all(
        targets.map(
          (t) =>
            new Promise<void>((resolve) => {
              fs.fdatasync(t.flushFd(), (error) => {
                if (error) fail(error);
                resolve();
              });
            }),
        ),
      );
    this.rounds++;
    for (const w of waiters) w(failure);
    this.running = false;
    if (this.waiters.length > 0) this.schedule();
  }
}
