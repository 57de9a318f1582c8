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
 * access traces are group-committed). Part of a read's cost in PostgreSQL is fixed per statement
 * (locks, executor set-up of an index scan on each quarterly partition: 0.13-0.15 ms of an
 * empty statement, against 0.3 ms per read on 5M lines); in one statement, the reads of a group
 * share that set-up and each only re-probes the partitions' (ins, line_id) index for its own
 * patient (a LATERAL join: the inner scans are rescanned, not set up again). A group of one read
 * takes a statement of its own shape (HISTORY_ONE_SQL).
 *
 * `lanes` groups run side by side, each with one statement in flight, and reads are dealt to them
 * in turn. With a single lane, eight readers moved in lockstep: all eight in one statement, then
 * their traces, their answers and their next requests, while PostgreSQL waited; the cores were
 * half idle. Four lanes: 1,023-1,340 reads/s against 958-1,195 with one, in interleaved runs of
 * the reads bench on a quiet machine (24 Nov, 04:17-04:23 UTC), at 0.1-0.3 ms more CPU per read
 * (smaller groups share less). Dealt in turn, reads went 1.12 to a statement under 8 readers
 * (pg_stat_statements); since the traces wait for the statements in flight (HistoryService's
 * AnswerHold), answers leave together and about 1.8 do. One queue for all statements instead (a
 * read starts a statement only while fewer than N run, otherwise waits for the first to end) made
 * fuller statements, about 10% less CPU per read, but 5-10% fewer reads/s with 8 readers, which
 * then waited on each other rather than on the cores (24 Nov, 06:24-06:28 UTC): not used.
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
      () =>
        new GroupedCalls((requests: HistoryReadRequest[]) => this.readGroup(requests), maxBatch),
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

  /** Waits for the reads already queued (shutdown). */
  async settle(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.settle()));
  }

  private async readGroup(requests: HistoryReadRequest[]): Promise<HistoryReadResult[]> {
    // Many statements carry one read (every one of a lone reader's; 1.1 reads per statement under
    // 8 readers before the trace hold, about 1.8 since), and an unnest of one-element arrays costs that read the array parameters, the function scan and
    // the join for nothing: 0.03-0.05 ms of PostgreSQL CPU (see HISTORY_ONE_SQL).
    if (requests.length === 1) return [await this.readOne(requests[0])];
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

  private async readOne(request: HistoryReadRequest): Promise<HistoryReadResult> {
    const { rows } = await this.pool.query<HistoryReadResult>({
      name: 'reimbursements-history-one',
      text: HISTORY_ONE_SQL,
      values: STATEMENT_PARAMETERS.map((field) => request[field]),
    });
    const row = rows[0];
    if (rows.length !== 1) throw new Error(`history read: ${rows.length} rows for one read`);
    return { state: row.state, total: row.total, lines: row.lines, months: row.months };
  }

  private async query(requests: HistoryReadRequest[]): Promise<BatchRow[]> {
    const { rows } = await this.pool.query<BatchRow>({
      name: 'reimbursements-history-batch',
      text: HISTORY_BATCH_SQL,
      values: STATEMENT_PARAMETERS.map((field) => requests.map((r) => r[field])),
    });
    return rows;
  }
}

/**
 * The request's fields in the order of the statements' parameters, $1 to $8: scalars in
 * HISTORY_ONE_SQL, arrays of one element per read in HISTORY_BATCH_SQL.
 */
const STATEMENT_PARAMETERS = [
  'ins',
  'from',
  'to',
  'idFrom',
  'idTo',
  'limit',
  'offset',
  'codingSystem',
] as const satisfies ReadonlyArray<keyof HistoryReadRequest>;

/** How the read's parameters are spelled in the statement: a column of the unnest, or $n. */
interface ReadParameters {
  ins: string;
  fromDate: string;
  toDate: string;
  idFrom: string;
  idTo: string;
  limit: string;
  offset: string;
  codingSystem: string;
}

/**
 * One read's total, page and month totals (a subquery of one row). The patient's lines in its
 * range are scanned once (one probe of the (ins, line_id) index per quarterly partition of its
 * line id range), filtered, sorted once and materialised, then read twice: the page takes its
 * first rows, the month totals group them.
 *
 * Shaped for PostgreSQL's CPU, statement alone on 5M lines (24 Nov), one read per statement
 * 0.50 -> 0.45 ms, two 0.43 -> 0.38 ms per read, the one-read form (HISTORY_ONE_SQL) 0.42:
 * - the partitions' index scans return whole rows (no projection built per partition) and the
 *   date and coding-system filter sits above them behind OFFSET 0, so it is compiled once per
 *   statement instead of once per partition (executor set-up is most of a statement's fixed
 *   0.13-0.15 ms);
 * - the lines are sorted once by (month, care date, line id), all descending: the order of the
 *   page, since a line id starts with its care month (the importer rejects any other). The page
 *   and the month totals read that order from the materialised lines (no second sort, no hash
 *   table for the months), and the total is the sum of the months' counts;
 * - the page's JSON is concatenated text: json_build_object and to_char cost as much as the
 *   scan. Only the label is free text; the importer rejects control characters in it, so
 *   escaping a backslash and a double quote is the whole of JSON's escaping (to_json looked its
 *   type up on every line). The coding system's lower case and the prescriber's null are
 *   constant pieces picked by CASE and coalesce, and the concatenation is balanced: each `||`
 *   copies both sides, so a left-deep chain of twenty copied the line's start twenty times.
 *   Every other column holds what the importer let through (digits, capitals, A/B of Corsican
 *   FINESS): nothing to escape. Dates print as YYYY-MM-DD (DateStyle ISO on the pool).
 */
function readSql(p: ReadParameters): string {
  return `
     WITH l AS MATERIALIZED (
       SELECT (x.line_id / ${LINE_ID_MONTH_FACTOR})::int AS month, x.*
         FROM (SELECT * FROM reimbursement_lines
                WHERE ins = ${p.ins} AND line_id >= ${p.idFrom} AND line_id < ${p.idTo} OFFSET 0) x
        WHERE x.care_date BETWEEN ${p.fromDate} AND ${p.toDate}
          AND (${p.codingSystem} IS NULL OR x.coding_system = ${p.codingSystem})
        ORDER BY 1 DESC, x.care_date DESC, x.line_id DESC)
     SELECT mo.total,
            (SELECT '[' || coalesce(string_agg(
                      (('{"lineId":"' || p.line_id::text) || ('","careDate":"' || p.care_date::text))
                      || (CASE p.coding_system
                            WHEN 'NGAP' THEN '","codingSystem":"ngap","code":"'
                            WHEN 'CCAM' THEN '","codingSystem":"ccam","code":"'
                            WHEN 'CIP13' THEN '","codingSystem":"cip13","code":"'
                            WHEN 'NABM' THEN '","codingSystem":"nabm","code":"'
                            WHEN 'LPP' THEN '","codingSystem":"lpp","code":"'
                            ELSE '","codingSystem":"' || lower(p.coding_system) || '","code":"' END
                          || p.code::text)
                      || ((('","label":"' || replace(replace(p.label, '\\', '\\\\'), '"', '\\"'))
                           || ('","quantity":' || p.quantity::text))
                          || (coalesce(',"prescriber":"' || p.prescriber || '","performer":"', ',"prescriber":null,"performer":"')
                              || p.performer::text))
                      || (('","chargedCents":' || p.charged_cents::text)
                          || (',"reimbursedCents":' || p.reimbursed_cents::text || '}')),
                      ',' ORDER BY p.month DESC, p.care_date DESC, p.line_id DESC), '') || ']'
               FROM (SELECT * FROM l ORDER BY month DESC, care_date DESC, line_id DESC
                      LIMIT ${p.limit} OFFSET ${p.offset}) p) AS lines,
            mo.months
       FROM (SELECT coalesce(sum(m.lines)::int, 0) AS total,
                    '[' || coalesce(string_agg(
                      '{"month":"' || (m.month / 100) || '-' || lpad((m.month % 100)::text, 2, '0') || '","lines":' || m.lines
                      || ',"chargedCents":' || m.charged || ',"reimbursedCents":' || m.reimbursed || '}',
                      ',' ORDER BY m.month DESC), '') || ']' AS months
               FROM (SELECT month, count(*)::int AS lines, sum(charged_cents) AS charged, sum(reimbursed_cents) AS reimbursed
                       FROM l GROUP BY month ORDER BY month DESC) m) mo`;
}

/**
 * Whitespace folded: PostgreSQL copies the statement's text at every execution (the portal's
 * source text, pg_stat_activity). No literal in these statements holds two spaces in a row.
 */
function compact(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}

/**
 * One row per read ($1-$8 are arrays, one element per read, in order; ord is the read's
 * position), with the consent state (a primary-key probe) beside the read's total, page and
 * months (readSql, a LATERAL subquery: for each read its scans are rescanned, not set up again).
 *
 * Run as a generic plan (plan_cache_mode on the pool): PostgreSQL's cost estimate for a custom
 * plan of this statement is lower than the generic one's, so "auto" would plan it on every
 * execution, and planning it over the partitions costs several times its execution.
 */
const HISTORY_BATCH_SQL = compact(`
  SELECT r.ord, (SELECT s.state FROM reimbursement_consent_states s WHERE s.ins = r.ins) AS state,
         h.total, h.lines, h.months
    FROM unnest($1::text[], $2::date[], $3::date[], $4::bigint[], $5::bigint[], $6::int[], $7::int[], $8::text[])
         WITH ORDINALITY AS r(ins, from_date, to_date, id_from, id_to, lim, off, coding_system, ord)
   CROSS JOIN LATERAL (${readSql({
     ins: 'r.ins',
     fromDate: 'r.from_date',
     toDate: 'r.to_date',
     idFrom: 'r.id_from',
     idTo: 'r.id_to',
     limit: 'r.lim',
     offset: 'r.off',
     codingSystem: 'r.coding_system',
   })}) h`);

/**
 * The same for a statement of one read, its parameters as scalars ($1 the INS ... $8 the coding
 * system or null): no arrays to parse, no function scan and join to set up.
 */
const HISTORY_ONE_SQL = compact(`
  SELECT (SELECT s.state FROM reimbursement_consent_states s WHERE s.ins = $1::text) AS state,
         h.total, h.lines, h.months
    FROM (${readSql({
      ins: '$1::text',
      fromDate: '$2::date',
      toDate: '$3::date',
      idFrom: '$4::bigint',
      idTo: '$5::bigint',
      limit: '$6::int',
      offset: '$7::int',
      codingSystem: '$8::text',
    })}) h`);
