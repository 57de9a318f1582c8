import { BulkJobContext, PreparedBatch } from './bulk-batch-preparer';

/** Main thread -> preparation worker; each message but `close` gets one answer, in order. */
export type PreparationCommand =
  | { type: 'open'; stream: number; context: BulkJobContext }
  | { type: 'push'; stream: number; chunk: Uint8Array | string }
  | { type: 'end'; stream: number }
  | { type: 'close'; stream: number };

/** Worker -> main thread: the batches a push or an end completed, or why the file cannot be read. */
export type PreparationAnswer =
  | { stream: number; ok: true; batches: PreparedBatch[] }
  | { stream: number; ok: false; message: string; fileError: boolean };
