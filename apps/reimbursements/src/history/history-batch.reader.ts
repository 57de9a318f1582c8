import { QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { ConsentState } from '@dmp/access-rules';
import { LINE_ID_MONTH_FACTOR } from '../feed/feed-format';
import { GroupedCalls } from './grouped-calls';

/** One history read: the patient, the care date range and its line id range, the page, the filter. */
export interface HistoryReadRequest {
  ins: string;
  /** YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
  /** Line ids in [idFrom, idTo): the months of [from, to], so other partitions are skipped. */
  idFrom: number;
  idTo: number;
  limit: number;
  offset: number;
  /** The feed's coding system (CIP13...), or null for all. */
  codingSystem: string | null;
}

/** What PostgreSQL returns for one read: the consent state and the page, as JSON text. */
export interface HistoryReadResult {
  state: ConsentState | null;
  total: number;
  /** JSON arrays, built by PostgreSQL. */
  lines: string;
  months: string;
}

/** Where the statements run: a pg Pool (its connections keep the prepared statement). */
export interface HistoryStatementRunner {
  query<R extends QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
}

interface BatchRow extends HistoryReadResult {
  ord: string;
}

/**
 * Reads patients' histories in groups: while one statement is running, the reads that arrive
 * queue up and go together in the next statement, one row per read (group reads, the way the
 * access traces are group-committed). A read's cost in PostgreSQL is mostly fixed per statement
 * and per monthly partition (locks, executor set-up of an index scan on each of the 25
 * partitions); in one statement, the reads of a group share that set-up and each only re-probes
 * the partitions' (ins, care_date) index for its own patient (a LATERAL join: the inner scans
 * are rescanned, not set up again). One reader is one read per statement, as before.
 *
 * `lanes` groups run side by side, each with one statement in flight, and reads are dealt to them
 * in turn. With a single lane, eight readers moved in lockstep: all eight in one statement, then
 * their traces, their answers and their next requests, while PostgreSQL waited; the cores were
 * half idle. Four lanes: 1,023-1,340 reads/s against 958-1,195 with one, in interleaved runs of
 * the reads bench on a quiet machine (24 Nov, 04:17-04:23 UTC), at 0.1-0.3 ms more CPU per read
 * (smaller groups share less). Lanes also mean traces are no longer held back for the statement
 * in flight (whenStatementDone is null): with several, there is no single one to wait for.
 */
export class HistoryBatchReader {
  private readonly lanes: Array<GroupedCalls<HistoryReadRequest, HistoryReadResult>>;
  private nextLane = 0;

  constructor(
    private readonly pool: HistoryStatementRunner,
    maxBatch = 64,
    lanes = 1,
  ) {
    this.lanes = Array.from(
      { length: Math.max(1, lanes) },
      () => new GroupedCalls((requests: HistoryReadRequest[]) => this.readGroup(requests), maxBatch),
    );
  }

  read(request: HistoryReadRequest): Promise<HistoryReadResult> {
    const lane = this.lanes[this.nextLane];
    this.nextLane = (this.nextLane + 1) % this.lanes.length;
    return lane.call(request);
  }

  /** The patient's consent state alone (a primary-key query), for a read that runs alone. */
  async consentState(ins: string): Promise<ConsentState | null> {
    const { rows } = await this.pool.query<{ state: ConsentState }>({
      name: 'reimbursements-history-consent-state',
      text: 'SELECT state FROM reimbursement_consent_states WHERE ins = $1',
      values: [ins],
    });
    return rows[0]?.state ?? null;
  }

  /**
   * The statement in flight, resolved once its reads have been answered and have run to their
   * next wait (their access traces queued); null when no statement runs.
   */
  whenStatementDone(): Promise<void> | null {
    return this.lanes.length === 1 ? this.lanes[0].whenRunDone() : null;
  }

  /** Waits for the reads already queued (shutdown). */
  async settle(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.settle()));
  }

  private async readGroup(requests: HistoryReadRequest[]): Promise<HistoryReadResult[]> {
    const rows = await this.query(requests);
    // One row per read by construction (a LATERAL of aggregates); checked all the same.
    if (rows.length !== requests.length)
      throw new Error(`history batch: ${rows.length} rows for ${requests.length} reads`);
    const results: HistoryReadResult[] = new Array(requests.length);
    for (const row of rows)
      results[Number(row.ord) - 1] = {
        state: row.state,
        total: row.total,
        lines: row.lines,
        months: row.months,
      };
    return results;
  }

  private async query(requests: HistoryReadRequest[]): Promise<BatchRow[]> {
    const { rows } = await this.pool.query<BatchRow>({
      name: 'reimbursements-history-batch',
      text: HISTORY_BATCH_SQL,
      values: [
        requests.map((r) => r.ins),
        requests.map((r) => r.from),
        requests.map((r) => r.to),
        requests.map((r) => r.idFrom),
        requests.map((r) => r.idTo),
        requests.map((r) => r.limit),
        requests.map((r) => r.offset),
        requests.map((r) => r.codingSystem),
      ],
    });
    return rows;
  }
}

/**
 * One row per read ($1-$8 are arrays, one element per read, in order; ord is the read's
 * position). For each read, the patient's lines in its range are scanned once (one probe of the
 * (ins, care_date) index per monthly partition of its line id range) for the page, the total and
 * the month totals.
 *
 * The page's JSON is concatenated text, not json_build_object: building 50 objects of 10 keys
 * with json_build_object and to_char cost PostgreSQL about as much CPU as scanning the 25
 * partitions. Only the label is free text (to_json escapes it); every other column holds what
 * the importer let through, its only writer: digits, capitals, A/B of Corsican FINESS, so
 * nothing to escape. Dates print as YYYY-MM-DD (DateStyle ISO on the pool). The month totals
 * group by the month in the line id (YYYYMM, checked against the care date on import).
 *
 * Run as a generic plan (plan_cache_mode on the pool): PostgreSQL's cost estimate for a custom
 * plan of this statement is lower than the generic one's, so "auto" would plan it on every
 * execution, and planning it over 25 partitions costs several times its execution.
 */
const HISTORY_BATCH_SQL = `
  SELECT r.ord, (SELECT s.state FROM reimbursement_consent_states s WHERE s.ins = r.ins) AS state,
         h.total, h.lines, h.months
    FROM unnest($1::text[], $2::date[], $3::date[], $4::bigint[], $5::bigint[], $6::int[], $7::int[], $8::text[])
         WITH ORDINALITY AS r(ins, from_date, to_date, id_from, id_to, lim, off, coding_system, ord)
   CROSS JOIN LATERAL (
     WITH l AS MATERIALIZED (
       SELECT line_id, care_date, coding_system, code, label, quantity, prescriber, performer, charged_cents, reimbursed_cents
         FROM reimbursement_lines
        WHERE ins = r.ins AND care_date BETWEEN r.from_date AND r.to_date
          AND line_id >= r.id_from AND line_id < r.id_to
          AND (r.coding_system IS NULL OR coding_system = r.coding_system))
     SELECT (SELECT count(*)::int FROM l) AS total,
            (SELECT '[' || coalesce(string_agg(
                      '{"lineId":"' || p.line_id || '","careDate":"' || p.care_date || '","codingSystem":"' || lower(p.coding_system)
                      || '","code":"' || p.code || '","label":' || to_json(p.label) || ',"quantity":' || p.quantity
                      || ',"prescriber":' || coalesce('"' || p.prescriber || '"', 'null') || ',"performer":"' || p.performer
                      || '","chargedCents":' || p.charged_cents || ',"reimbursedCents":' || p.reimbursed_cents || '}',
                      ',' ORDER BY p.care_date DESC, p.line_id DESC), '') || ']'
               FROM (SELECT * FROM l ORDER BY care_date DESC, line_id DESC LIMIT r.lim OFFSET r.off) p) AS lines,
            (SELECT '[' || coalesce(string_agg(
                      '{"month":"' || (m.month / 100) || '-' || lpad((m.month % 100)::text, 2, '0') || '","lines":' || m.lines
                      || ',"chargedCents":' || m.charged || ',"reimbursedCents":' || m.reimbursed || '}', ',' ORDER BY m.month DESC), '') || ']'
               FROM (SELECT (line_id / ${LINE_ID_MONTH_FACTOR})::int AS month, count(*) AS lines, sum(charged_cents) AS charged, sum(reimbursed_cents) AS reimbursed
                       FROM l GROUP BY 1) m) AS months
   ) h`;
