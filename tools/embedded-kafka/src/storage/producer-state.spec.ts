import { ErrorCode } from '../protocol/error-codes';
import { PartitionProducerState, lastSequence } from './producer-state';

describe(PartitionProducerState.name, () => {
  it('accepts the next sequence, answers a repeat with its original offset and refuses a gap', () => {
    const sut = new PartitionProducerState();
    sut.record(1, 0, 0, 4, 100);
    expect(sut.check(1, 0, 5, 9)).toEqual({ kind: 'append' });
    expect(sut.check(1, 0, 0, 4)).toEqual({ kind: 'duplicate', baseOffset: 100 });
    expect(sut.check(1, 0, 7, 9)).toEqual({
      kind: 'error',
      code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
  });

  it('remembers only the last five batches of a producer', () => {
    const sut = new PartitionProducerState();
    for (let i = 0; i < 7; i++) sut.record(1, 0, i, i, 10 + i);
    expect(sut.check(1, 0, 6, 6)).toEqual({ kind: 'duplicate', baseOffset: 16 });
    expect(sut.check(1, 0, 2, 2)).toEqual({ kind: 'duplicate', baseOffset: 12 });
    expect(sut.check(1, 0, 1, 1).kind).toBe('error');
  });

  it('refuses an older epoch and requires a new epoch to start at sequence 0', () => {
    const sut = new PartitionProducerState();
    sut.record(1, 3, 0, 0, 0);
    expect(sut.check(1, 2, 1, 1)).toEqual({
      kind: 'error',
      code: ErrorCode.INVALID_PRODUCER_EPOCH,
    });
    expect(sut.check(1, 4, 5, 5)).toEqual({
      kind: 'error',
      code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    });
    expect(sut.check(1, 4, 0, 0)).toEqual({ kind: 'append' });
  });

  it('accepts any sequence from a producer it does not know', () => {
    expect(new PartitionProducerState().check(42, 0, 17, 20)).toEqual({ kind: 'append' });
  });

  it('wraps sequences after the largest int32', () => {
    expect(lastSequence(2147483647, 2)).toBe(0);
    const sut = new PartitionProducerState();
    sut.record(1, 0, 2147483646, 2147483647, 0);
    expect(sut.check(1, 0, 0, 0)).toEqual({ kind: 'append' });
  });
});
