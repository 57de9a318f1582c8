import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { randomUUID } from 'node:crypto';
import { AccessDecision, AccessRequester, ConsentState, decideAccess } from '@dmp/access-rules';
import { Actor, actorId } from '@dmp/auth';
import { AccessedEvent, AccessedPayload, AccessorRef, createEvent } from '@dmp/contracts';
import {
  AccessMode,
  AccessTargetKind,
  ActorRole,
  CodingSystem,
  Ins,
  validateIsoDate,
} from '@dmp/domain';
import { SERVICE_CONFIG } from '@dmp/platform';
import { ReimbursementsConfig } from '../config';
import { addMonthsToYyyymm, careWindow, monthStartIso } from '../feed/care-window';
import { feedCodingSystem, LINE_ID_MONTH_FACTOR, monthFirstLineId } from '../feed/feed-format';
import {
  ReimbursementsErrorCode,
  ReimbursementsException,
} from '../imports/reimbursements.exception';
import { HistoryQueryDto } from './history-query.dto';
import { AccessTraceWriter } from './access-trace.writer';

const SERVICE = 'reimbursements';

function yyyymmOfIso(date: string): number {
  return Number(date.slice(0, 4)) * 100 + Number(date.slice(5, 7));
}

/**
 * A patient's 24-month history under the access rules. Every read, granted or refused, leaves
 * an access event in the outbox, committed and flushed, before anything is returned.
 */
@Injectable()
export class HistoryService implements OnApplicationShutdown {
  private readonly logger = new Logger(HistoryService.name);
  /**
   * Its own connections (not TypeORM's): the history query runs as a named prepared statement,
   * planned once per connection. Planning it (two dozen monthly partitions) cost about ten times
   * its execution when it was planned on every read.
   */
  private readonly pool: Pool;
  private readonly traces: AccessTraceWriter;

  constructor(@Inject(SERVICE_CONFIG) config: ReimbursementsConfig) {
    this.pool = new Pool({
      connectionString: config.DATABASE_URL,
      max: config.REIMBURSEMENTS_READ_CONNECTIONS,
      application_name: 'dmp-reimbursements-history',
      // Explicit, whatever the server's defaults: a trace is acknowledged only once durable, and
      // dates print as YYYY-MM-DD (the history query writes them into its JSON as text).
      options: '-c synchronous_commit=on -c DateStyle=ISO,YMD',
    });
    // An idle connection dropped by the server (restart, failover) must not crash the process:
    // the pool replaces it on the next read.
    this.pool.on('error', (error) =>
      this.logger.warn({ msg: 'history connection lost', error: error.message }),
    );
    this.traces = new AccessTraceWriter(this.pool);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.traces.settle();
    await this.pool.end();
  }

  /** The page as JSON text, built by PostgreSQL (the lines are never parsed and re-serialised here). */
  async read(
    ins: Ins,
    actor: Actor,
    query: HistoryQueryDto,
    correlationId: string,
  ): Promise<string> {
    const now = new Date();
    const window = careWindow(now);
    const windowStart = monthStartIso(window.startMonth);
    const today = now.toISOString().slice(0, 10);
    for (const [field, value] of [
      ['from', query.from],
      ['to', query.to],
    ] as const) {
      if (value !== undefined && !validateIsoDate(value).ok) {
        throw new ReimbursementsException(
          ReimbursementsErrorCode.INVALID_QUERY,
          `${field} is not a date`,
          [{ field, reason: `${value} does not exist in the calendar` }],
        );
      }
    }
    const from = query.from === undefined || query.from < windowStart ? windowStart : query.from;
    const to = query.to === undefined || query.to > today ? today : query.to;
    if (from > to)
      throw new ReimbursementsException(ReimbursementsErrorCode.INVALID_QUERY, 'from is after to', [
        { field: 'from', reason: 'must not be after to' },
      ]);
    const mode = query.mode ?? AccessMode.NORMAL;

    const page = query.page ?? 1;
    const pageSize = query.pageSize ?? 50;
    const bySystem = query.codingSystem !== undefined;
    // One round trip for the consent state, the page and the month totals. The data is read
    // before the decision but only returned when access is granted.
    const {
      rows: [row],
    } = await this.pool.query<{
      state: ConsentState | null;
      total: number;
      lines: string;
      months: string;
    }>({
      name: bySystem ? 'reimbursements-history-by-system' : 'reimbursements-history',
      text: bySystem ? HISTORY_BY_SYSTEM_SQL : HISTORY_SQL,
      values: [
        ins,
        from,
        to,
        // The month range of line ids lets PostgreSQL skip the partitions outside [from, to].
        monthFirstLineId(yyyymmOfIso(from)),
        monthFirstLineId(addMonthsToYyyymm(yyyymmOfIso(to), 1)),
        pageSize,
        (page - 1) * pageSize,
        ...(bySystem ? [feedCodingSystem(query.codingSystem as CodingSystem)] : []),
      ],
    });
    const decision = decideAccess(
      {
        requester: requesterOf(actor),
        mode,
        reason: query.reason ?? null,
        at: now,
        target: { kind: 'reimbursements' },
      },
      row.state,
    );

    await this.trace(ins, actor, mode, decision, query.reason, correlationId, now);
    if (!decision.granted) {
      throw new ReimbursementsException(
        ReimbursementsErrorCode.ACCESS_REFUSED,
        'Access to this reimbursement history is refused',
        [{ field: 'ins', reason: decision.reasons[0] ?? decision.code }],
      );
    }
    // The shape of HistoryPage; ins, from and to are validated digits and dates, safe as is.
    return `{"ins":"${ins}","from":"${from}","to":"${to}","page":${page},"pageSize":${pageSize},"total":${row.total},"lines":${row.lines},"months":${row.months}}`;
  }

  private async trace(
    ins: Ins,
    actor: Actor,
    mode: AccessMode,
    decision: AccessDecision,
    reason: string | undefined,
    correlationId: string,
    at: Date,
  ): Promise<void> {
    const accessor = new AccessorRef();
    accessor.role = actor.role;
    accessor.id = actorId(actor);
    if (actor.role === ActorRole.PROFESSIONAL) {
      accessor.profession = actor.profession;
      if (actor.finess) accessor.finess = actor.finess;
    }
    const payload: AccessedPayload = {
      accessId: randomUUID(),
      ins,
      accessor,
      mode,
      target: { kind: AccessTargetKind.REIMBURSEMENTS, id: 'history' },
      granted: decision.granted,
      reasons: decision.reasons,
      rulesVersion: decision.rulesVersion,
      ...(reason ? { emergencyReason: reason } : {}),
      at: at.toISOString(),
    };
    await this.traces.write(
      createEvent(AccessedEvent, payload, { producer: SERVICE, correlationId }),
    );
  }
}

/**
 * The history query; parameters $1 ins, $2 from, $3 to, $4-$5 line id range, $6 limit, $7
 * offset, $8 coding system. The patient's lines in the range are scanned once (one probe of the
 * (ins, care_date) index per monthly partition) for both the page and the month totals.
 *
 * The page's JSON is concatenated text, not json_build_object: building 50 objects of 10 keys
 * with json_build_object and to_char cost PostgreSQL about as much CPU as scanning the 25
 * partitions (0.5-0.8 ms a read). Only the label is free text (to_json escapes it); every other
 * column holds what the importer let through, its only writer: digits, capitals, A/B of
 * Corsican FINESS, so nothing to escape. Dates print as YYYY-MM-DD (DateStyle ISO on the pool).
 * The month totals group by the month in the line id (YYYYMM, checked against the care date on
 * import): an integer key, where date_trunc on a date went through a timestamptz per line.
 */
function historySql(bySystem: boolean): string {
  return `
    WITH l AS MATERIALIZED (
      SELECT line_id, care_date, coding_system, code, label, quantity, prescriber, performer, charged_cents, reimbursed_cents
        FROM reimbursement_lines
       WHERE ins = $1 AND care_date BETWEEN $2::date AND $3::date AND line_id >= $4::bigint AND line_id < $5::bigint${bySystem ? ' AND coding_system = $8' : ''})
    SELECT (SELECT state FROM reimbursement_consent_states WHERE ins = $1) AS state,
           (SELECT count(*)::int FROM l) AS total,
           (SELECT '[' || coalesce(string_agg(
                     '{"lineId":"' || p.line_id || '","careDate":"' || p.care_date || '","codingSystem":"' || lower(p.coding_system)
                     || '","code":"' || p.code || '","label":' || to_json(p.label) || ',"quantity":' || p.quantity
                     || ',"prescriber":' || coalesce('"' || p.prescriber || '"', 'null') || ',"performer":"' || p.performer
                     || '","chargedCents":' || p.charged_cents || ',"reimbursedCents":' || p.reimbursed_cents || '}',
                     ',' ORDER BY p.care_date DESC, p.line_id DESC), '') || ']'
              FROM (SELECT * FROM l ORDER BY care_date DESC, line_id DESC LIMIT $6::int OFFSET $7::int) p) AS lines,
           (SELECT '[' || coalesce(string_agg(
                     '{"month":"' || (m.month / 100) || '-' || lpad((m.month % 100)::text, 2, '0') || '","lines":' || m.lines
                     || ',"chargedCents":' || m.charged || ',"reimbursedCents":' || m.reimbursed || '}', ',' ORDER BY m.month DESC), '') || ']'
              FROM (SELECT (line_id / ${LINE_ID_MONTH_FACTOR})::int AS month, count(*) AS lines, sum(charged_cents) AS charged, sum(reimbursed_cents) AS reimbursed
                      FROM l GROUP BY 1) m) AS months`;
}
const HISTORY_SQL = historySql(false);
const HISTORY_BY_SYSTEM_SQL = historySql(true);

function requesterOf(actor: Actor): AccessRequester {
  switch (actor.role) {
    case ActorRole.PATIENT:
      return { role: actor.role, ins: actor.ins };
    case ActorRole.LEGAL_REPRESENTATIVE:
      return { role: actor.role, ins: actor.ins, represents: actor.represents };
    case ActorRole.PROFESSIONAL:
      return {
        role: actor.role,
        rpps: actor.rpps,
        profession: actor.profession,
        finess: actor.finess ?? null,
      };
    case ActorRole.ESTABLISHMENT:
    case ActorRole.PHARMACY:
      return { role: actor.role, finess: actor.finess };
    default:
      return { role: actor.role };
  }
}
