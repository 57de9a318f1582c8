import { ReimbursementFileKind } from '@dmp/domain';
import { addMonthsToYyyymm, careWindow, windowMonths } from './care-window';
import { FeedHeader, formatFeedHeader, parseFeedHeader } from './feed-format';

describe('parseFeedHeader', () => {
  const header: FeedHeader = {
    version: 1,
    fileId: 'CNAM-2026-11-23-001',
    kind: ReimbursementFileKind.DELTA,
    periodStart: '2026-11-22',
    periodEnd: '2026-11-22',
    lines: 1234,
  };

  it('reads back what formatFeedHeader writes', () => {
    expect(parseFeedHeader(formatFeedHeader(header))).toEqual({ ok: true, header });
  });

  it.each([
    ['line_id,ins', /must start with #DMP-REIMBURSEMENTS-FEED/],
    [
      formatFeedHeader(header).replace('version=1', 'version=2'),
      /format version 2 is not supported/,
    ],
    [
      formatFeedHeader(header).replace('kind=delta', 'kind=weekly'),
      /kind must be backfill or delta/,
    ],
    [
      formatFeedHeader(header).replace('lines=1234', 'lines=many'),
      /lines must be a non-negative integer/,
    ],
    [
      formatFeedHeader(header).replace('period_start=2026-11-22', 'period_start=2026-13-01'),
      /period_start/,
    ],
    [formatFeedHeader(header).replace('file_id=CNAM-2026-11-23-001', 'file_id=../etc'), /file_id/],
  ])('refuses %s', (line, reason) => {
    const result = parseFeedHeader(line);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('careWindow', () => {
  it('keeps the current month and the 24 before it', () => {
    const sut = careWindow(new Date('2026-01-15T00:00:00Z'));

    expect(sut).toEqual({ startMonth: 202401, endMonth: 202601, today: 20260115 });
    expect(windowMonths(sut)).toHaveLength(25);
  });

  it('adds months across years', () => {
    expect(addMonthsToYyyymm(202412, 1)).toBe(202501);
    expect(addMonthsToYyyymm(202501, -1)).toBe(202412);
    expect(addMonthsToYyyymm(202611, -24)).toBe(202411);
  });
});
