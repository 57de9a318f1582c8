import { addMonthsToYyyymm } from '../feed/care-window';
import { monthFirstLineId } from '../feed/feed-format';

/** Anything that runs SQL: a pg client, a TypeORM EntityManager or QueryRunner. */
export interface Sql {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export const LINES_TABLE = 'reimbursement_lines';

export function partitionName(yyyymm: number): string {
  return `${LINES_TABLE}_m${yyyymm}`;
}

export function monthOfPartition(name: string): number | null {
  const match = /^reimbursement_lines_m([0-9]{6})$/.exec(name);
  return match ? Number(match[1]) : null;
}

// Serialises partition DDL between instances (and with the purge): any fixed 64-bit number.
const PARTITION_LOCK = 6_147_392_001;

/**
 * Creates the monthly partitions that are missing. Each month is the range of line ids starting
 * with that month (see LINE_ID_MONTH_FACTOR); indexes of the parent apply to new partitions.
 */
export async function ensurePartitions(sql: Sql, months: number[]): Promise<number[]> {
  const existing = new Set(await listPartitionMonths(sql));
  const missing = months.filter((m) => !existing.has(m));
  if (missing.length === 0) return [];
  await sql.query('SELECT pg_advisory_lock($1)', [PARTITION_LOCK]);
  try {
    for (const month of missing) {
      await sql.query(
        `CREATE TABLE IF NOT EXISTS ${partitionName(month)} PARTITION OF ${LINES_TABLE}
         FOR VALUES FROM (${monthFirstLineId(month)}) TO (${monthFirstLineId(addMonthsToYyyymm(month, 1))})`,
      );
    }
  } finally {
    await sql.query('SELECT pg_advisory_unlock($1)', [PARTITION_LOCK]);
  }
  return missing;
}

export async function listPartitionMonths(sql: Sql): Promise<number[]> {
  const rows = (await sql.query(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = $1`,
    [LINES_TABLE],
  )) as { name: string }[];
  return rows
    .map((r) => monthOfPartition(r.name))
    .filter((m): m is number => m !== null)
    .sort((a, b) => a - b);
}

/**
 * The purge: months before the window go by dropping their partition (a catalogue change and
 * an unlink, whatever the number of rows), never by deleting rows.
 */
export async function dropPartitionsBefore(sql: Sql, firstKeptMonth: number): Promise<number[]> {
  const dropped: number[] = [];
  await sql.query('SELECT pg_advisory_lock($1)', [PARTITION_LOCK]);
  try {
    for (const month of await listPartitionMonths(sql)) {
      if (month >= firstKeptMonth) continue;
      await sql.query(`DROP TABLE IF EXISTS ${partitionName(month)}`);
      dropped.push(month);
    }
    // The import's record of stored id ranges (see the lines-patient-key migration) of those months.
    await sql.query('DELETE FROM reimbursement_line_ranges WHERE month < $1', [firstKeptMonth]);
  } finally {
    await sql.query('SELECT pg_advisory_unlock($1)', [PARTITION_LOCK]);
  }
  return dropped;
}
