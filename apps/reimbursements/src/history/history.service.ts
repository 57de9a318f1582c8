import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { randomUUID } from 'node:crypto';
import { AccessDecision, AccessRequester, ConsentState, decideAccess } from '@dmp/access-rules';
import { Actor, actorId } from '@dmp/auth';
import { AccessedEvent, AccessedPayload, AccessorRef, createEvent } from '@dmp/contracts';
import { RelayProducer } from '@dmp/messaging';
import { AccessMode, AccessTargetKind, ActorRole, Ins, validateIsoDate } from '@dmp/domain';
import { SERVICE_CONFIG } from '@dmp/platform';
import { ReimbursementsConfig } from '../config';
import { addMonthsToYyyymm, careWindow, monthStartIso } from '../feed/care-window';
import { feedCodingSystem, monthFirstLineId } from '../feed/feed-format';
import {
  ReimbursementsErrorCode,
  ReimbursementsException,
} from '../imports/reimbursements.exception';
import { HistoryQueryDto } from './history-query.dto';
import { AccessTraceWriter } from './access-trace.writer';
import { AnswerHold } from './grouped-calls';
import { HistoryBatchReader, HistoryReadRequest, HistoryReadResult } from './history-batch.reader';

const SERVICE = 'reimbursements';
// How long a read waits for Kafka to acknowledge its trace before the outbox takes it.
const TRACE_SEND_TIMEOUT_MS = 2_000;
/**
 * A read takes the latency path (readAlone) only when no read has overlapped another for this
 * long. Under concurrent readers, answers leave in bursts (a trace group acknowledged at once)
 * and the next read often finds no other in progress for a moment: alone, it would pay a
 * statement, a consent query and a produce of its own instead of sharing them.
 */
const ALONE_AFTER_QUIET_MS = 100;
/** The longest a group of traces waits for the history statements in flight (see AnswerHold). */
const TRACE_HOLD_MAX_MS = 4;

function yyyymmOfIso(date: string): number {
  return Number(date.slice(0, 4)) * 100 + Number(date.slice(5, 7));
}

/**
 * A patient's 24-month history under the access rules. Every read, granted or refused, leaves
 * a durable access event (acknowledged by Kafka, or committed to the outbox when Kafka does not
 * answer) before anything is returned.
 */
@Injectable()
export class HistoryService implements OnApplicationShutdown {
  private readonly logger = new Logger(HistoryService.name);
  /**
   * Its own connections (not TypeORM's): the history statement is a named prepared statement,
   * planned once per connection (a generic plan). Planning it (two dozen monthly partitions)
   * cost about ten times its execution when it was planned on every read.
   */
  private readonly pool: Pool;
  private readonly reader: HistoryBatchReader;
  private readonly traces: AccessTraceWriter;
  /** The history statements of grouped reads in flight: trace groups wait for their answers. */
  private readonly statements: AnswerHold;
  /** Reads between their start and their answer (see readAlone). */
  private activeReads = 0;
  /** When a read last started while another was in progress (epoch ms). */
  private lastConcurrentAtMs = 0;

  constructor(@Inject(SERVICE_CONFIG) config: ReimbursementsConfig) {
    this.pool = new Pool({
      connectionString: config.DATABASE_URL,
      max: config.REIMBURSEMENTS_READ_CONNECTIONS,
      application_name: 'dmp-reimbursements-history',
      // Explicit, whatever the server's defaults: a trace is acknowledged only once durable,
      // dates print as YYYY-MM-DD (the history statement writes them into its JSON as text),
      // and prepared statements keep their generic plan (see HistoryBatchReader).
      options:
        '-c synchronous_commit=on -c DateStyle=ISO,YMD -c plan_cache_mode=force_generic_plan',
    });
    // An idle connection dropped by the server (restart, failover) must not crash the process:
    // the pool replaces it on the next read.
    this.pool.on('error', (error) =>
      this.logger.warn({ msg: 'history connection lost', error: error.message }),
    );
    const lanes = Math.min(
      config.REIMBURSEMENTS_HISTORY_STATEMENTS,
      config.REIMBURSEMENTS_READ_CONNECTIONS - 1,
    );
    this.reader = new HistoryBatchReader(this.pool, 64, lanes);
    this.statements = new AnswerHold(lanes, TRACE_HOLD_MAX_MS);
    // Access events straight to Kafka (the outbox when it does not acknowledge): see
    // AccessTraceWriter. A short request timeout: a read waits for its trace.
    this.traces = new AccessTraceWriter(
      this.pool,
      new RelayProducer({
        brokers: config.KAFKA_BROKERS,
        clientId: `${config.KAFKA_CLIENT_ID}-traces`,
        requestTimeoutMs: TRACE_SEND_TIMEOUT_MS,
      }),
      // A produce costs the broker about the same (a synchronous write per partition file) and
      // the service a round trip, whatever the number of traces in it: the traces queued wait
      // for the history statements in flight, whose reads trace the moment they answer, and go
      // in one produce. One reader never waits (no other statement is in flight).
      { gate: () => this.statements.gate() },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reader.settle();
    await this.traces.close();
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
    const request: HistoryReadRequest = {
      ins,
      from,
      to,
      // The month range of line ids lets PostgreSQL skip the partitions outside [from, to].
      idFrom: monthFirstLineId(yyyymmOfIso(from)),
      idTo: monthFirstLineId(addMonthsToYyyymm(yyyymmOfIso(to), 1)),
      limit: pageSize,
      offset: (page - 1) * pageSize,
      codingSystem: query.codingSystem === undefined ? null : feedCodingSystem(query.codingSystem),
    };
    const access: AccessContext = {
      ins,
      actor,
      mode,
      reason: query.reason,
      correlationId,
      at: now,
    };
    this.activeReads++;
    const nowMs = now.getTime();
    if (this.activeReads > 1) this.lastConcurrentAtMs = nowMs;
    try {
      const row =
        nowMs - this.lastConcurrentAtMs > ALONE_AFTER_QUIET_MS
          ? await this.readAlone(request, access)
          : await this.readGrouped(request, access);
      // The shape of HistoryPage; ins, from and to are validated digits and dates, safe as is.
      return `{"ins":"${ins}","from":"${from}","to":"${to}","page":${page},"pageSize":${pageSize},"total":${row.total},"lines":${row.lines},"months":${row.months}}`;
    } finally {
      this.activeReads--;
    }
  }

  /**
   * Reads running concurrently: the consent state, the page and the month totals in one row of
   * a grouped statement, then the trace (grouped too). The data is read before the decision but
   * only returned when access is granted.
   */
  private async readGrouped(
    request: HistoryReadRequest,
    access: AccessContext,
  ): Promise<HistoryReadResult> {
    this.statements.started();
    let row: HistoryReadResult;
    try {
      row = await this.reader.read(request);
    } finally {
      this.statements.answered();
    }
    await this.decideAndTrace(row.state, access);
    return row;
  }

  /**
   * A read while reads do not overlap (one reader): nothing to group with, so its latency is
   * what counts. The
   * consent state comes first from a primary-key query on one connection while the history
   * statement runs on another; the trace goes to Kafka as soon as the decision is made, so the
   * broker's fsync runs during the history statement instead of after it (a read's latency is
   * the longer of the two, not their sum). A read refused, or whose statement fails after its
   * trace was written, is traced and not served: never served and not traced.
   */
  private async readAlone(
    request: HistoryReadRequest,
    access: AccessContext,
  ): Promise<HistoryReadResult> {
    const page = this.reader.read(request);
    // Awaited below only when access is granted; a refused read must not leave it unhandled.
    page.catch(() => undefined);
    await this.decideAndTrace(await this.reader.consentState(request.ins), access);
    return page;
  }

  /** The access decision, traced durably; throws the 403 when access is refused. */
  private async decideAndTrace(state: ConsentState | null, access: AccessContext): Promise<void> {
    const decision = decideAccess(
      {
        requester: requesterOf(access.actor),
        mode: access.mode,
        reason: access.reason ?? null,
        at: access.at,
        target: { kind: 'reimbursements' },
      },
      state,
    );
    await this.trace(
      access.ins,
      access.actor,
      access.mode,
      decision,
      access.reason,
      access.correlationId,
      access.at,
    );
    if (!decision.granted) {
      throw new ReimbursementsException(
        ReimbursementsErrorCode.ACCESS_REFUSED,
        'Access to this reimbursement history is refused',
        [{ field: 'ins', reason: decision.reasons[0] ?? decision.code }],
      );
    }
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
    await this.traces.trace(
      createEvent(AccessedEvent, payload, { producer: SERVICE, correlationId }),
    );
  }
}

/** Who reads, how and when: what the decision and the trace need. */
interface AccessContext {
  ins: Ins;
  actor: Actor;
  mode: AccessMode;
  reason: string | undefined;
  correlationId: string;
  at: Date;
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
