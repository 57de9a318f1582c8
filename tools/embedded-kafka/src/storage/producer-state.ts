// Idempotent producer bookkeeping per partition: for each producer id, its epoch, the last
// sequence and the last five batches, so that a retried batch is acknowledged with its
// original offset instead of being written twice. Rebuilt from the batch headers at open.
import { ErrorCode } from '../protocol/error-codes';

const MAX_SEQUENCE = 2147483647;
const REMEMBERED_BATCHES = 5;
const MAX_PRODUCERS = 10_000;

interface RememberedBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
}

interface ProducerEntry {
  epoch: number;
  lastSeq: number;
  batches: RememberedBatch[];
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; baseOffset: number }
  | { kind: 'error'; code: ErrorCode };

export function lastSequence(firstSeq: number, count: number): number {
  const last = firstSeq + count - 1;
  return last > MAX_SEQUENCE ? last - MAX_SEQUENCE - 1 : last;
}

function nextSequence(seq: number): number {
  return seq === MAX_SEQUENCE ? 0 : seq + 1;
}

export class PartitionProducerState {
  private readonly producers = new Map<number, ProducerEntry>();

  check(producerId: number, epoch: number, firstSeq: number, lastSeq: number): SequenceCheck {
    const e = this.producers.get(producerId);
    if (!e) return { kind: 'append' };
    if (epoch < e.epoch) return { kind: 'error', code: ErrorCode.INVALID_PRODUCER_EPOCH };
    if (epoch > e.epoch)
      return firstSeq === 0
        ? { kind: 'append' }
        : { kind: 'error', code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
    for (const b of e.batches) {
      if (b.firstSeq === firstSeq && b.lastSeq === lastSeq)
        return { kind: 'duplicate', baseOffset: b.baseOffset };
    }
    if (firstSeq !== nextSequence(e.lastSeq))
      return { kind: 'error', code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
    return { kind: 'append' };
  }

  record(
    producerId: number,
    epoch: number,
    firstSeq: number,
    lastSeq: number,
    baseOffset: number,
  ): void {
    let e = this.producers.get(producerId);
    if (!e || epoch > e.epoch) {
      e = { epoch, lastSeq, batches: [] };
      this.producers.set(producerId, e);
      // Every producer instance gets a new id: forget the longest-known ones past a bound so a
      // long-running broker's memory does not grow with restarts of its clients.
      if (this.producers.size > MAX_PRODUCERS)
        this.producers.delete(this.producers.keys().next().value as number);
    }
    e.lastSeq = lastSeq;
    e.batches.push({ firstSeq, lastSeq, baseOffset });
    if (e.batches.length > REMEMBERED_BATCHES) e.batches.shift();
  }

  get size(): number {
    return this.producers.size;
  }
}
