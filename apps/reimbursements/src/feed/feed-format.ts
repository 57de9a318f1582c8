import { CodingSystem, ReimbursementFileKind, validateIsoDate } from '@dmp/domain';

/**
 * The insurer's reimbursement feed, format version 1 (documented in docs/readme/reimbursements.md).
 *
 *   line 1  `#DMP-REIMBURSEMENTS-FEED;version=1;file_id=...;kind=backfill|delta;period_start=YYYY-MM-DD;period_end=YYYY-MM-DD;lines=N`
 *   line 2  the column header, exactly FEED_COLUMNS joined by commas
 *   then N data lines, RFC 4180 CSV (UTF-8, LF, quotes only where a label needs them, no line breaks inside a field)
 *
 * The data columns are in the order of the table they are copied into, so accepted lines go to
 * PostgreSQL's COPY (FORMAT csv) byte for byte: the importer validates but never re-serialises.
 */
export const FEED_MAGIC = '#DMP-REIMBURSEMENTS-FEED';
export const FEED_FORMAT_VERSION = 1;
export const SUPPORTED_FORMAT_VERSIONS: readonly number[] = [1];

export const FEED_COLUMNS = [
  'line_id',
  'ins',
  'care_date',
  'coding_system',
  'code',
  'label',
  'quantity',
  'prescriber',
  'performer',
  'charged_cents',
  'reimbursed_cents',
] as const;
export const FEED_COLUMN_HEADER = FEED_COLUMNS.join(',');

/** Coding systems as the insurer writes them (upper case) and the domain's enum. */
export const FEED_CODING_SYSTEMS: Readonly<Record<string, CodingSystem>> = {
  CCAM: CodingSystem.CCAM,
  NGAP: CodingSystem.NGAP,
  CIP13: CodingSystem.CIP13,
  NABM: CodingSystem.NABM,
  LPP: CodingSystem.LPP,
};

export function feedCodingSystem(system: CodingSystem): string {
  return system.toUpperCase();
}

export interface FeedHeader {
  version: number;
  fileId: string;
  kind: ReimbursementFileKind;
  periodStart: string;
  periodEnd: string;
  /** Number of data lines the insurer says the file holds (headers excluded). */
  lines: number;
}

const FILE_ID_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export type HeaderParse = { ok: true; header: FeedHeader } | { ok: false; reason: string };

/** Parses the first line of a feed file (without its line break). */
export function parseFeedHeader(line: string): HeaderParse {
  const parts = line.replace(/\r$/, '').split(';');
  if (parts[0] !== FEED_MAGIC)
    return { ok: false, reason: `the first line must start with ${FEED_MAGIC}` };
  const fields = new Map<string, string>();
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    if (eq <= 0)
      return { ok: false, reason: `header field "${part.slice(0, 40)}" is not key=value` };
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const version = Number(fields.get('version'));
  if (!Number.isInteger(version))
    return { ok: false, reason: 'header field version is missing or not an integer' };
  if (!SUPPORTED_FORMAT_VERSIONS.includes(version)) {
    return {
      ok: false,
      reason: `format version ${version} is not supported (supported: ${SUPPORTED_FORMAT_VERSIONS.join(', ')})`,
    };
  }
  const fileId = fields.get('file_id') ?? '';
  if (!FILE_ID_SHAPE.test(fileId))
    return {
      ok: false,
      reason:
        'header field file_id must be 1-100 characters among letters, digits, dot, dash and underscore',
    };
  const kind = fields.get('kind');
  if (kind !== ReimbursementFileKind.BACKFILL && kind !== ReimbursementFileKind.DELTA) {
    return { ok: false, reason: 'header field kind must be backfill or delta' };
  }
  const periodStart = fields.get('period_start');
  const periodEnd = fields.get('period_end');
  for (const [name, value] of [
    ['period_start', periodStart],
    ['period_end', periodEnd],
  ] as const) {
    const check = validateIsoDate(value);
    if (!check.ok) return { ok: false, reason: `header field ${name}: ${check.reason}` };
  }
  if ((periodStart as string) > (periodEnd as string))
    return { ok: false, reason: 'header field period_start is after period_end' };
  const linesText = fields.get('lines') ?? '';
  if (!/^[0-9]{1,12}$/.test(linesText))
    return { ok: false, reason: 'header field lines must be a non-negative integer' };
  return {
    ok: true,
    header: {
      version,
      fileId,
      kind,
      periodStart: periodStart as string,
      periodEnd: periodEnd as string,
      lines: Number(linesText),
    },
  };
}

export function formatFeedHeader(header: FeedHeader): string {
  return [
    FEED_MAGIC,
    `version=${header.version}`,
    `file_id=${header.fileId}`,
    `kind=${header.kind}`,
    `period_start=${header.periodStart}`,
    `period_end=${header.periodEnd}`,
    `lines=${header.lines}`,
  ].join(';');
}

/**
 * Line ids: 16 digits, the care month (YYYYMM) then a 10-digit sequence the insurer assigns in
 * that month. Embedding the month lets the line id itself be the partition key (monthly
 * partitions), so the primary key on line_id alone is a true global unique key in PostgreSQL
 * (a unique index on a partitioned table must contain the partition key) and the purge can drop
 * a month by dropping its partition. 16 digits stay below 2^53, so the importer handles them as
 * plain numbers.
 */
export const LINE_ID_DIGITS = 16;
export const LINE_ID_MONTH_FACTOR = 10_000_000_000;

export function lineIdMonth(lineId: number): number {
  return Math.floor(lineId / LINE_ID_MONTH_FACTOR);
}

/** First line id of a month given as YYYYMM. */
export function monthFirstLineId(yyyymm: number): number {
  return yyyymm * LINE_ID_MONTH_FACTOR;
}
