import { acquireReadBuffer, readBufferPoolForTests, releaseReadBuffers } from './read-buffers';

describe('read buffers', () => {
  it('hands a released buffer out again for a read of about its size', () => {
    const first = acquireReadBuffer(1_000_000);
    const records = first.subarray(100, 900_000);
    releaseReadBuffers([Buffer.from('header'), records]);

    const sut = acquireReadBuffer(900_000);

    expect(sut.buffer).toBe(first.buffer);
    expect(sut.length).toBe(900_000);
  });

  it('does not hand a large free buffer out for a read of less than half its size', () => {
    const big = acquireReadBuffer(4_000_000);
    releaseReadBuffers([big]);

    const sut = acquireReadBuffer(100_000);

    expect(sut.buffer).not.toBe(big.buffer);
    releaseReadBuffers([sut]);
  });

  it('keeps a buffer released twice only once, and never pools small reads', () => {
    const buffer = acquireReadBuffer(300_000);
    const before = readBufferPoolForTests.freeCount();
    releaseReadBuffers([buffer]);
    releaseReadBuffers([buffer]);
    expect(readBufferPoolForTests.freeCount()).toBe(before + 1);

    const small = acquireReadBuffer(1_000);
    releaseReadBuffers([small]);
    expect(readBufferPoolForTests.freeCount()).toBe(before + 1);
  });
});
