import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AccessDecision, AccessRequester, ConsentState, decideAccess } from '@dmp/access-rules';
import { Actor } from '@dmp/auth';
import { AccessedEvent, AccessedPayload, AccessorRef, createEvent } from '@dmp/contracts';
import { AccessMode, AccessTargetKind, ActorRole, Ins, validateIsoDate } from '@dmp/domain';
import { eventHeaders, topicOf } from '@dmp/messaging';
import { SERVICE_CONFIG } from '@dmp/platform';
import { ReimbursementsConfig } from '../config';
import { addMonthsToYyyymm, careWindow, monthStartIso } from '../feed/care-window';
import { feedCodingSystem, monthFirstLineId } from '../feed/feed-format';
import {
  ReimbursementsErrorCode,
  ReimbursementsException,
} from '../imports/reimbursements.exception';
import { HistoryLine, HistoryPage, HistoryQueryDto, MonthTotal } from './history-query.dto';

const SERVICE = 'reimbursements';

function yyyymmOfIso(date: string): number {
  return Number(date.slice(0, 4)) * 100 + Number(date.slice(5, 7));
}

/**
 * A patient's 24-month history under the access rules. Every read, granted or refused, leaves
 * an access event in the outbox before anything is returned.
 */
@Injectable()
export class HistoryService implements OnApplicationShutdown {
  private readonly logger = new Logger(HistoryService.name);
  /**
   * Connections for access traces. Unless REIMBURSEMENTS_ACCESS_TRACE_SYNC_COMMIT is set, they
   * do not wait for the WAL flush: a read changes nothing but its trace, and the flush would be
   * most of the read's latency. A PostgreSQL crash (not an application crash: the commit is in
   * PostgreSQL's memory) may then lose the traces of the last ~600 ms (3 x wal_writer_delay).
   */
  private readonly traces: Pool;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: ReimbursementsConfig,
  ) {
    this.traces = new Pool({
      connectionString: config.DATABASE_URL,
      max: 4,
      application_name: 'dmp-reimbursements-traces',
      ...(config.REIMBURSEMENTS_ACCESS_TRACE_SYNC_COMMIT
        ? {}
        : { options: '-c synchronous_commit=off' }),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.traces.end();
  }

  async read(
    ins: Ins,
    actor: Actor,
    query: HistoryQueryDto,
    correlationId: string,
  ): Promise<HistoryPage> {
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
    // One round trip for the consent state, the page and the month totals: on a busy machine
    // every round trip costs a scheduling delay. The data is read before the decision but only
    // returned when access is granted.
    const [row] = (await this.dataSource.query(
      historySql(query.codingSystem !== undefined, pageSize, (page - 1) * pageSize),
      [
        ins,
        from,
        to,
        // The month range of line ids lets PostgreSQL skip the partitions outside [from, to].
        monthFirstLineId(yyyymmOfIso(from)),
        monthFirstLineId(addMonthsToYyyymm(yyyymmOfIso(to), 1)),
        ...(query.codingSystem !== undefined ? [feedCodingSystem(query.codingSystem)] : []),
      ],
    )) as { state: ConsentState | null; lines: HistoryLine[]; months: MonthTotal[] }[];
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
    const result: HistoryPage | null = decision.granted
      ? {
          ins,
          from,
          to,
          page,
          pageSize,
          total: row.months.reduce((sum, m) => sum + m.lines, 0),
          lines: row.lines,
          months: row.months,
        }
      : null;

    await this.trace(ins, actor, mode, decision, query.reason, correlationId, now);
    if (!result) {
      throw new ReimbursementsException(
        ReimbursementsErrorCode.ACCESS_REFUSED,
        'Access to this reimbursement history is refused',
        [{ field: 'ins', reason: decision.reasons[0] ?? decision.code }],
      );
    }
    return result;
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
    accessor.id = accessorId(actor);
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
    const envelope = createEvent(AccessedEvent, payload, { producer: SERVICE, correlationId });
    // PLATFORM-GAP: appendToOutbox needs a TypeORM transaction (START, INSERT, COMMIT: three
    // round trips, five with the synchronous_commit setting). A read's trace is one row, so it
    // is written here as one autocommit statement in the outbox's own row format (topic, key,
    // headers from @dmp/messaging's helpers): on a busy machine each round trip costs
    // milliseconds. The relay publishes it like any outbox row.
    await this.traces.query(
      'INSERT INTO outbox_events (topic, key, headers, payload) VALUES ($1, $2, $3, $4)',
      [
        topicOf(envelope),
        envelope.key,
        JSON.stringify(eventHeaders(envelope)),
        JSON.stringify(envelope),
      ],
    );
  }
}

/** The history query; parameters $1 ins, $2 from, $3 to, $4-$5 line id range, $6 coding system. */
function historySql(bySystem: boolean, limit: number, offset: number): string {
  const filter = `ins = $1 AND care_date BETWEEN $2 AND $3 AND line_id >= $4 AND line_id < $5${bySystem ? ' AND coding_system = $6' : ''}`;
  return `
    SELECT (SELECT state FROM reimbursement_consent_states WHERE ins = $1) AS state,
           (SELECT coalesce(json_agg(json_build_object(
                     'lineId', l.line_id::text, 'careDate', to_char(l.care_date, 'YYYY-MM-DD'), 'codingSystem', lower(l.coding_system),
                     'code', l.code, 'label', l.label, 'quantity', l.quantity, 'prescriber', l.prescriber, 'performer', l.performer,
                     'chargedCents', l.charged_cents, 'reimbursedCents', l.reimbursed_cents) ORDER BY l.care_date DESC, l.line_id DESC), '[]'::json)
              FROM (SELECT * FROM reimbursement_lines WHERE ${filter} ORDER BY care_date DESC, line_id DESC LIMIT ${limit} OFFSET ${offset}) l) AS lines,
           (SELECT coalesce(json_agg(json_build_object('month', m.month, 'lines', m.lines, 'chargedCents', m.charged, 'reimbursedCents', m.reimbursed) ORDER BY m.month DESC), '[]'::json)
              FROM (SELECT to_char(care_date, 'YYYY-MM') AS month, count(*)::int AS lines, sum(charged_cents)::bigint AS charged, sum(reimbursed_cents)::bigint AS reimbursed
                      FROM reimbursement_lines WHERE ${filter} GROUP BY 1) m) AS months`;
}

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

function accessorId(actor: Actor): string {
  switch (actor.role) {
    case ActorRole.PATIENT:
    case ActorRole.LEGAL_REPRESENTATIVE:
      return actor.ins;
    case ActorRole.PROFESSIONAL:
      return actor.rpps;
    case ActorRole.ESTABLISHMENT:
    case ActorRole.PHARMACY:
      return actor.finess;
    case ActorRole.CPAM_AGENT:
      return actor.agentId;
    case ActorRole.INSURER_PIPELINE:
      return actor.pipelineId;
    default:
      return actor.operatorId;
  }
}
