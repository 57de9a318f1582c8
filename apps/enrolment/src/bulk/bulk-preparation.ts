import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { spawnWorkerThread } from '@dmp/messaging';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BulkJobContext, PreparedBatch } from './bulk-batch-preparer';
import { PreparationAnswer, PreparationCommand } from './bulk-preparation.protocol';
import { BulkFileError } from './bulk-row-reader';

const WORKER_MODULE = join(__dirname, `bulk-preparation.worker${extname(__filename)}`);

/** One upload being prepared: push its chunks in order, then end; each answers the batches completed. */
export interface PreparationStream {
  push(chunk: Uint8Array | string): Promise<PreparedBatch[]>;
  end(): Promise<PreparedBatch[]>;
  /** Forgets the upload (after a failure); pending answers still arrive. */
  close(): void;
}

interface Waiting {
  resolve: (batches: PreparedBatch[]) => void;
  reject: (error: Error) => void;
}

/**
 * Campaign files are parsed, validated and rendered (records, events, result lines: see
 * BulkBatchPreparer) in one worker thread shared by the uploads of this instance, started at the
 * first upload. The main thread, which serves every request, keeps only the database round trips
 * of each batch. Answers come back in the order of the commands, per upload.
 */
@Injectable()
export class BulkPreparation implements OnApplicationShutdown {
  private readonly logger = new Logger(BulkPreparation.name);
  private worker: Worker | null = null;
  private nextStream = 1;
  private readonly waiting = new Map<number, Waiting[]>();

  open(context: BulkJobContext): PreparationStream {
    const worker = this.ensureWorker();
    const stream = this.nextStream++;
    const queue: Waiting[] = [];
    this.waiting.set(stream, queue);
    const send = (command: PreparationCommand): void => worker.postMessage(command);
    const ask = (command: PreparationCommand): Promise<PreparedBatch[]> =>
      new Promise<PreparedBatch[]>((resolve, reject) => {
        queue.push({ resolve, reject });
        send(command);
      });
    send({ type: 'open', stream, context });
    return {
      push: (chunk) => ask({ type: 'push', stream, chunk }),
      end: () => ask({ type: 'end', stream }).finally(() => this.waiting.delete(stream)),
      close: () => {
        this.waiting.delete(stream);
        send({ type: 'close', stream });
      },
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = spawnWorkerThread(WORKER_MODULE, { name: 'bulk-preparation' });
    worker.on('message', (answer: PreparationAnswer) => {
      const queue = this.waiting.get(answer.stream);
      const next = queue?.shift();
      if (!next) return;
      if (answer.ok) next.resolve(answer.batches);
      else next.reject(answer.fileError ? new BulkFileError(answer.message) : new Error(answer.message));
    });
    const failAll = (error: Error): void => {
      if (this.worker === worker) this.worker = null;
      for (const queue of this.waiting.values()) for (const w of queue.splice(0)) w.reject(error);
    };
    worker.on('error', (error) => {
      this.logger.error({ msg: 'bulk preparation worker failed', error: error.message });
      failAll(new Error(`the bulk preparation worker failed: ${error.message}`));
    });
    worker.on('exit', (code) => failAll(new Error(`the bulk preparation worker exited with code ${code}`)));
    // An idle worker does not keep the process alive (a CLI, a test).
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
