import { addMonthsToYyyymm } from '../feed/care-window';
import { monthFirstLineId } from '../feed/feed-format';

/** Anything that runs SQL: a pg client, a TypeORM EntityManager or QueryRunner. */
export interface Sql {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export const LINES_TABLE = 'reimbursement_lines';

/** Months per partition: a partition holds one calendar quarter of care months. */
export const PARTITION_MONTHS = 3;

/**
 * The first month (YYYYMM) of the calendar quarter holding a month: 202611 -> 202610.
 *
 * Why quarters, not months: a history read covers the 25 months of the window, and PostgreSQL
 * pays a fixed cost per partition it probes (locks, executor set-up, an index descent): about
 * 20 µs each, measured on 50M lines, so 25 monthly partitions cost half a millisecond per read
 * before a single line is read; 9 quarterly ones cost about a third of that. The purge still
 * drops whole partitions, a quarter once its last month has left the window: at most two
 * months of lines outside the window are kept (and never read: reads filter the line id range).
 */
export function quarterOf(yyyymm: number): number {
  const month = yyyymm % 100;
  return yyyymm - month + 1 + Math.floor((month - 1) / PARTITION_MONTHS) * PARTITION_MONTHS;
}

/** The partition holding a month's lines: `reimbursement_lines_2026q4` for 202611. */
export function partitionName(yyyymm: number): string {
  const quarter = quarterOf(yyyymm);
  return `${LINES_TABLE}_${Math.floor(quarter / 100)}q${Math.floor((quarter % 100) / PARTITION_MONTHS) + 1}`;
}

/** The first month of the quarter a partition name stands for, or null for another table. */
export function quarterOfPartition(name: string): number | null {
  const match = /^reimbursement_lines_([0-9]{4})q([1-4])$/.exec(name);
  return match ? Number(match[1]) * 100 + (Number(match[2]) - 1) * PARTITION_MONTHS + 1 : null;
}

/** The months of the quarter starting at `quarter`, in order. */
export function monthsOfQuarter(quarter: number): number[] {
  return Array.from({ length: PARTITION_MONTHS }, (_, i) => addMonthsToYyyymm(quarter, i));
}

// Serialises partition DDL between instances (and with the purge): any fixed 64-bit number.
const PARTITION_LOCK = 6_147_392_001;

/**
 * Creates the partitions missing for these months, one per calendar quarter: the range of line
 * ids of its three months (see LINE_ID_MONTH_FACTOR); indexes of the parent apply to new
 * partitions. Returns the first months of the quarters created.
 */
export async function ensurePartitions(sql: Sql, months: number[]): Promise<number[]> {
  const existing = new Set(await listPartitionQuarters(sql));
  const missing = [...new Set(months.map(quarterOf))]
    .filter((q) => !existing.has(q))
    .sort((a, b) => a - b);
  if (missing.length === 0) return [];
  await sql.query('SELECT pg_advisory_lock($1)', [PARTITION_LOCK]);
  try {
    for (const quarter of missing) {
      await sql.query(
        `CREATE TABLE IF NOT EXISTS ${partitionName(quarter)} PARTITION OF ${LINES_TABLE}
         FOR VALUES FROM (${monthFirstLineId(quarter)}) TO (${monthFirstLineId(addMonthsToYyyymm(quarter, PARTITION_MONTHS))})`,
      );
    }
  } finally {
    await sql.query('SELECT pg_advisory_unlock($1)', [PARTITION_LOCK]);
  }
  return missing;
}

/** The first months of the quarters that have a partition, in order. */
export async function listPartitionQuarters(sql: Sql): Promise<number[]> {
  const rows = (await sql.query(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = $1`,
    [LINES_TABLE],
  )) as { name: string }[];
  return rows
    .map((r) => quarterOfPartition(r.name))
    .filter((q): q is number => q !== null)
    .sort((a, b) => a - b);
}

/**
 * The purge: quarters whose three months are all before the window go by dropping their
 * partition (a catalogue change and an unlink, whatever the number of rows), never by deleting
 * rows. Returns the first months of the quarters dropped.
 */
export async function dropPartitionsBefore(sql: Sql, firstKeptMonth: number): Promise<number[]> {
  const dropped: number[] = [];
  await sql.query('SELECT pg_advisory_lock($1)', [PARTITION_LOCK]);
  try {
    for (const quarter of await listPartitionQuarters(sql)) {
      if (addMonthsToYyyymm(quarter, PARTITION_MONTHS) > firstKeptMonth) continue;
      await sql.query(`DROP TABLE IF EXISTS ${partitionName(quarter)}`);
      dropped.push(quarter);
    }
    // The import's record of stored id ranges (see the lines-patient-key migration) of the months
    // before the window: their lines can no longer be imported (out of the window), so no batch
    // needs to be checked against them.
    await sql.query('DELETE FROM reimbursement_line_ranges WHERE month < $1', [firstKeptMonth]);
  } finally {
    await sql.query('SELECT pg_advisory_unlock($1)', [PARTITION_LOCK]);
  }
  return dropped;
}
