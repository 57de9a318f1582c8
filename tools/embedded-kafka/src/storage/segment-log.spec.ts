import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createJsonLogger } from '../logger';
import { parseBatchHeader } from '../protocol/record-batch';
import { buildRecordBatch } from '../protocol/record-batch-builder';
import { SegmentLog, SegmentLogOptions } from './segment-log';

const quiet = createJsonLogger('error', () => undefined);

function batchOf(count: number, valueBytes = 10, timestamp = Date.now()): Buffer {
  return buildRecordBatch(
    Array.from({ length: count }, (_, i) => ({
      key: null,
      value: Buffer.alloc(valueBytes, i),
      timestamp,
    })),
  );
}

function offsetsIn(records: Buffer | null): number[] {
  const out: number[] = [];
  let at = 0;
  while (records && at < records.length) {
    const h = parseBatchHeader(records, at);
    out.push(h.baseOffset);
    at += h.size;
  }
  return out;
}

describe(SegmentLog.name, () => {
  let dir: string;
  const options = (over: Partial<SegmentLogOptions> = {}): SegmentLogOptions => ({
    segmentBytes: 1 << 20,
    segmentMs: 1 << 30,
    indexIntervalBytes: 64,
    logger: quiet,
    ...over,
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segment-log-spec-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('assigns consecutive offsets by rewriting baseOffset and keeps the bytes otherwise intact', () => {
    const sut = SegmentLog.open(dir, options());
    const a = batchOf(3);
    const b = batchOf(2);
    const originalTail = Buffer.from(b.subarray(8));
    expect(sut.append([a])).toBe(0);
    expect(sut.append([b])).toBe(3);
    expect(sut.logEndOffset).toBe(5);
    const read = sut.read(3, 1 << 20);
    expect(read.kind === 'ok' && read.records?.subarray(8)).toEqual(originalTail);
    sut.close();
  });

  it('reads whole batches from the one containing the offset, within the byte limit but always at least one', () => {
    const sut = SegmentLog.open(dir, options());
    for (let i = 0; i < 20; i++) sut.append([batchOf(5, 50)]);
    const mid = sut.read(37, 1 << 20);
    expect(mid.kind === 'ok' && offsetsIn(mid.records)[0]).toBe(35);
    const one = sut.read(0, 1);
    expect(one.kind === 'ok' && offsetsIn(one.records)).toEqual([0]);
    const size = batchOf(5, 50).length;
    const two = sut.read(0, size * 2 + 1);
    expect(two.kind === 'ok' && offsetsIn(two.records)).toEqual([0, 5]);
    sut.close();
  });

  it('answers empty at the log end and out-of-range beyond it', () => {
    const sut = SegmentLog.open(dir, options());
    sut.append([batchOf(2)]);
    expect(sut.read(2, 100)).toEqual({ kind: 'ok', records: null });
    expect(sut.read(3, 100)).toEqual({ kind: 'out-of-range' });
    expect(sut.read(-1, 100)).toEqual({ kind: 'out-of-range' });
    sut.close();
  });

  it('rolls segments by size and reads across them', () => {
    const sut = SegmentLog.open(dir, options({ segmentBytes: 500 }));
    for (let i = 0; i < 30; i++) sut.append([batchOf(1, 100)]);
    expect(sut.segments.length).toBeGreaterThan(3);
    for (const offset of [0, 7, 15, 29]) {
      const r = sut.read(offset, 1);
      expect(r.kind === 'ok' && offsetsIn(r.records)).toEqual([offset]);
    }
    sut.close();
  });

  it('recovers every complete batch after a reopen and truncates a torn tail', () => {
    const first = SegmentLog.open(dir, options());
    for (let i = 0; i < 10; i++) first.append([batchOf(2)]);
    const active = first.active.file;
    first.close();
    const torn = batchOf(4);
    fs.appendFileSync(active, torn.subarray(0, torn.length - 5));
    const sizeWithTornTail = fs.statSync(active).size;

    const sut = SegmentLog.open(dir, options());
    expect(sut.logEndOffset).toBe(20);
    expect(fs.statSync(active).size).toBe(sizeWithTornTail - (torn.length - 5));
    expect(sut.append([batchOf(1)])).toBe(20);
    const r = sut.read(19, 1);
    expect(r.kind === 'ok' && offsetsIn(r.records)).toEqual([18]);
    sut.close();
  });

  it('reopens a multi-segment log with the same offsets and reads old segments', () => {
    const first = SegmentLog.open(dir, options({ segmentBytes: 400 }));
    for (let i = 0; i < 25; i++) first.append([batchOf(1, 100)]);
    const segments = first.segments.length;
    first.close();
    const sut = SegmentLog.open(dir, options({ segmentBytes: 400 }));
    expect(sut.segments.length).toBe(segments);
    expect(sut.logEndOffset).toBe(25);
    for (const offset of [0, 3, 12, 24]) {
      const r = sut.read(offset, 1);
      expect(r.kind === 'ok' && offsetsIn(r.records)).toEqual([offset]);
    }
    expect(sut.append([batchOf(1)])).toBe(25);
    sut.close();
  });

  it('saves the index of a rolled segment and uses it instead of scanning at the next open', () => {
    const first = SegmentLog.open(dir, options({ segmentBytes: 400 }));
    for (let i = 0; i < 10; i++)
      first.append([
        buildRecordBatch([{ key: null, value: Buffer.alloc(150) }], {
          producerId: 9,
          producerEpoch: 0,
          baseSequence: i,
        }),
      ]);
    const closed = first.segments[0];
    first.close();
    expect(fs.existsSync(closed.indexFile())).toBe(true);
    const seen: number[] = [];
    const sut = SegmentLog.open(
      dir,
      options({ segmentBytes: 400, onRecoveredBatch: (h) => seen.push(h.baseSequence) }),
    );
    expect(sut.segments[0].nextOffset).toBe(closed.nextOffset);
    expect(sut.logEndOffset).toBe(10);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => i));
    sut.close();
  });

  it('scans a closed segment again when its saved index is stale', () => {
    const first = SegmentLog.open(dir, options({ segmentBytes: 400 }));
    for (let i = 0; i < 6; i++) first.append([batchOf(1, 150)]);
    const closed = first.segments[0];
    first.close();
    fs.writeFileSync(closed.indexFile(), '{"version":1,"size":1');
    const sut = SegmentLog.open(dir, options({ segmentBytes: 400 }));
    expect(sut.logEndOffset).toBe(6);
    const r = sut.read(0, 1);
    expect(r.kind === 'ok' && offsetsIn(r.records)).toEqual([0]);
    sut.close();
  });

  it('truncates at a batch whose CRC no longer matches (garbage written over the tail)', () => {
    const first = SegmentLog.open(dir, options());
    for (let i = 0; i < 3; i++) first.append([batchOf(1, 200)]);
    const file = first.active.file;
    first.close();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(20, 0xab), 0, 20, fs.statSync(file).size - 30);
    fs.closeSync(fd);
    const sut = SegmentLog.open(dir, options());
    expect(sut.logEndOffset).toBe(2);
    sut.close();
  });

  it('reports the producer batches it recovers so idempotence state survives a restart', () => {
    const first = SegmentLog.open(dir, options());
    first.append([
      buildRecordBatch([{ key: null, value: Buffer.from('x') }], {
        producerId: 5,
        producerEpoch: 0,
        baseSequence: 0,
      }),
    ]);
    first.close();
    const seen: number[] = [];
    const sut = SegmentLog.open(dir, options({ onRecoveredBatch: (h) => seen.push(h.producerId) }));
    expect(seen).toEqual([5]);
    sut.close();
  });

  it('deletes whole old segments beyond the size limit and moves the log start offset', () => {
    const sut = SegmentLog.open(dir, options({ segmentBytes: 400 }));
    for (let i = 0; i < 40; i++) sut.append([batchOf(1, 100)]);
    const before = sut.segments.length;
    const deleted = sut.applyRetention(Date.now(), -1, 1000);
    expect(deleted).toBeGreaterThan(0);
    expect(sut.segments.length).toBe(before - deleted);
    expect(sut.sizeBytes).toBeLessThan(1000 + 400);
    expect(sut.logStartOffset).toBe(sut.segments[0].baseOffset);
    expect(sut.logStartOffset).toBeGreaterThan(0);
    expect(sut.read(0, 100)).toEqual({ kind: 'out-of-range' });
    expect(sut.logEndOffset).toBe(40);
    sut.close();
  });

  it('keeps freshly appended segments even when their records carry old timestamps', () => {
    const sut = SegmentLog.open(dir, options({ segmentBytes: 300 }));
    for (let i = 0; i < 10; i++) sut.append([batchOf(1, 100, Date.now() - 60_000)]);
    expect(sut.applyRetention(Date.now(), 30_000, -1)).toBe(0);
    expect(sut.logStartOffset).toBe(0);
    sut.close();
  });

  it('deletes segments older than the retention time, including an expired active segment', () => {
    const old = Date.now() - 60_000;
    const sut = SegmentLog.open(dir, options({ segmentBytes: 300 }));
    for (let i = 0; i < 10; i++) sut.append([batchOf(1, 100, old)], old);
    sut.applyRetention(Date.now(), 30_000, -1);
    expect(sut.logStartOffset).toBe(10);
    expect(sut.logEndOffset).toBe(10);
    expect(sut.append([batchOf(1)])).toBe(10);
    sut.close();
  });

  describe.each(['sparse', 'zeros'] as const)('with %s preallocation', (mode) => {
    const preallocated = (over: Partial<SegmentLogOptions> = {}): SegmentLogOptions =>
      options({ preallocateBytes: 8192, preallocateMode: mode, ...over });
    /** What a kill -9 leaves on disk: the directory copied while the log is open. */
    const crashCopy = (): string => {
      const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'segment-log-crash-'));
      fs.cpSync(dir, copy, { recursive: true });
      return copy;
    };

    it('keeps the active file ahead of the log end and trims it at roll and close', () => {
      const sut = SegmentLog.open(dir, preallocated({ segmentBytes: 20_000 }));
      const size = batchOf(1, 100).length;
      sut.append([batchOf(1, 100)]);
      expect(sut.active.size).toBe(size);
      expect(fs.statSync(sut.active.file).size).toBeGreaterThanOrEqual(size + 8192);
      for (let i = 0; i < 200; i++) sut.append([batchOf(1, 100)]);
      expect(sut.segments.length).toBeGreaterThan(1);
      for (const closed of sut.segments.slice(0, -1))
        expect(fs.statSync(closed.file).size).toBe(closed.size);
      const active = sut.active;
      sut.close();
      expect(fs.statSync(active.file).size).toBe(active.size);
      const reopened = SegmentLog.open(dir, preallocated({ segmentBytes: 20_000 }));
      expect(reopened.logEndOffset).toBe(201);
      reopened.close();
    });

    it('ends the log at the zeros after a crash, keeps every batch and trims the file', () => {
      const first = SegmentLog.open(dir, preallocated());
      for (let i = 0; i < 10; i++) first.append([batchOf(2, 30)]);
      const logical = first.active.size;
      const name = path.basename(first.active.file);
      const copy = crashCopy();
      first.close();
      try {
        expect(fs.statSync(path.join(copy, name)).size).toBeGreaterThan(logical);
        const warnings: string[] = [];
        const sut = SegmentLog.open(
          copy,
          preallocated({ logger: createJsonLogger('warn', (line) => warnings.push(line)) }),
        );
        // Not damage: nothing to warn an operator about.
        expect(warnings).toEqual([]);
        expect(sut.logEndOffset).toBe(20);
        expect(fs.statSync(path.join(copy, name)).size).toBe(logical);
        expect(sut.append([batchOf(1)])).toBe(20);
        const r = sut.read(0, 1 << 20);
        expect(r.kind === 'ok' && offsetsIn(r.records)).toEqual([
          0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20,
        ]);
        sut.close();
      } finally {
        fs.rmSync(copy, { recursive: true, force: true });
      }
    });

    it('truncates a torn batch written into the preallocated space', () => {
      const first = SegmentLog.open(dir, preallocated());
      for (let i = 0; i < 5; i++) first.append([batchOf(1, 50)]);
      const logical = first.active.size;
      const name = path.basename(first.active.file);
      const copy = crashCopy();
      first.close();
      try {
        // A crash in the middle of an append: the batch's first part reached the file.
        const torn = batchOf(3, 400);
        const fd = fs.openSync(path.join(copy, name), 'r+');
        fs.writeSync(fd, torn, 0, torn.length - 100, logical);
        fs.closeSync(fd);
        const warnings: string[] = [];
        const sut = SegmentLog.open(
          copy,
          preallocated({ logger: createJsonLogger('warn', (line) => warnings.push(line)) }),
        );
        expect(warnings.join()).toContain('truncating segment tail during recovery');
        expect(sut.logEndOffset).toBe(5);
        expect(fs.statSync(path.join(copy, name)).size).toBe(logical);
        expect(sut.append([batchOf(1)])).toBe(5);
        sut.close();
      } finally {
        fs.rmSync(copy, { recursive: true, force: true });
      }
    });

    it('ends the log at a zero tail shorter than a batch header', () => {
      const first = SegmentLog.open(dir, options());
      for (let i = 0; i < 3; i++) first.append([batchOf(1, 20)]);
      const file = first.active.file;
      first.close();
      fs.appendFileSync(file, Buffer.alloc(7));
      const sut = SegmentLog.open(dir, preallocated());
      expect(sut.logEndOffset).toBe(3);
      expect(sut.append([batchOf(1)])).toBe(3);
      sut.close();
    });
  });
});
