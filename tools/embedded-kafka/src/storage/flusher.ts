// Group commit of fsyncs: every acks=-1 produce (and offset commit) waiting for durability
// joins the next flush round, and one round fsyncs every dirty file once. While a round runs,
// new writers queue for the following one, so the fsync rate stays bounded whatever the
// request rate.
import * as fs from 'node:fs';
import type { BrokerLogger } from '../logger';

export interface Flushable {
  /** The descriptor to fsync; clears the dirty mark. */
  flushFd(): number;
}

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
    await Promise.all(
      targets.map(
        (t) =>
          new Promise<void>((resolve) => {
            fs.fdatasync(t.flushFd(), (error) => {
              // EBADF: the segment was deleted or rolled (rolling fsyncs synchronously).
              if (error && error.code !== 'EBADF') {
                failure = error;
                this.logger.error('fsync failed', { error: error.message });
              }
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
