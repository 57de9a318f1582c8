// The worker thread of BulkPreparation: one BulkBatchPreparer per campaign upload in progress.
import { parentPort } from 'node:worker_threads';
import { BulkBatchPreparer, PreparedBatch } from './bulk-batch-preparer';
import { PreparationAnswer, PreparationCommand } from './bulk-preparation.protocol';
import { BulkFileError } from './bulk-row-reader';

const port = parentPort;
if (!port) throw new Error('bulk-preparation.worker runs only as a worker thread');
const preparers = new Map<number, BulkBatchPreparer>();

function answer(stream: number, work: (preparer: BulkBatchPreparer) => PreparedBatch[]): void {
  const preparer = preparers.get(stream);
  let message: PreparationAnswer;
  try {
    if (!preparer) throw new Error(`no bulk preparation ${stream}`);
    const batches = work(preparer);
    message = { stream, ok: true, batches };
    // The COPY text moves to the main thread without a copy.
    port?.postMessage(message, batches.map((b) => b.copy.buffer as ArrayBuffer));
    return;
  } catch (error) {
    preparers.delete(stream);
    message = { stream, ok: false, message: (error as Error).message, fileError: error instanceof BulkFileError };
  }
  port?.postMessage(message);
}

port.on('message', (command: PreparationCommand) => {
  switch (command.type) {
    case 'open':
      preparers.set(command.stream, new BulkBatchPreparer(command.context));
      return;
    case 'push':
      answer(command.stream, (p) => p.push(command.chunk));
      return;
    case 'end':
      answer(command.stream, (p) => p.end());
      preparers.delete(command.stream);
      return;
    case 'close':
      preparers.delete(command.stream);
      return;
  }
});
