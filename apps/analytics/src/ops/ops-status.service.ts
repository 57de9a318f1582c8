import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { OpeningChannel, SourceCategory } from '@dmp/domain';
import { AnalyticsConfig } from '../config';
import { ActivityFiguresService } from '../figures/activity-figures.service';
import { FiguresService } from '../figures/figures.service';
import { CoverageRow } from '../reference/cpam-reference';
import { assembleOpsStatus, DeadLetterRow, HeartbeatImport, InstanceRow, LagRow, OpsStatus } from './ops-status';

// Weeks of creations the dashboard charts.
const CHART_WEEKS = 12;
// The figures scan the fact tables (millions of rows at national scale) while the dashboard asks
// every few seconds, from every open page: they are computed at most this often per instance.
const FIGURES_TTL_MS = 30_000;

/** One week of a stacked chart. */
export interface WeeklySeries {
  /** Monday of the week (Paris), YYYY-MM-DD. */
  week: string;
  /** By channel (creations) or by source category (documents). */
  by: Record<string, number>;
  total: number;
}

export interface DashboardFigures {
  records: { opened: number; closed: number; open: number };
  /** DMPs opened per week and channel, the last CHART_WEEKS weeks. */
  weeklyOpenings: WeeklySeries[];
  channels: string[];
  coverage: CoverageRow[];
  /** Documents added per week and source category, the same weeks. */
  weeklyDocuments: WeeklySeries[];
  sources: string[];
}

export interface OpsStatusDocument extends OpsStatus {
  figures: DashboardFigures | null;
  /** Why the figures are missing, when they are. */
  figuresError?: string;
}

interface InstanceSqlRow {
  service: string;
  instance: string;
  version: string;
  started_at: Date;
  ready: boolean;
  uptime_seconds: number | null;
  last_heartbeat_at: Date;
  http_requests: string | null;
  http_4xx: string | null;
  http_5xx: string | null;
  events_handled: string | null;
  events_failed: string | null;
  outbox_backlog: string | null;
  imports: HeartbeatImport[];
  previous_at: Date | null;
  previous_http_requests: string | null;
  previous_http_4xx: string | null;
  previous_http_5xx: string | null;
  previous_events_handled: string | null;
  previous_events_failed: string | null;
}

const num = (v: string | null): number | null => (v === null ? null : Number(v));

/** Builds GET /ops/status from the ops tables (and the figures for the charts). */
@Injectable()
export class OpsStatusService {
  private readonly logger = new Logger(OpsStatusService.name);
  private figuresCache: { at: number; value: Promise<{ figures: DashboardFigures | null; figuresError?: string }> } | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AnalyticsConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The whole document; `withFigures: false` leaves out the business figures (metrics scrape). */
  async status(now = new Date(), options: { withFigures?: boolean } = {}): Promise<OpsStatusDocument> {
    // One query after the other: a dashboard refresh holds one pooled connection, not four.
    const instances = await this.instances();
    const lag = await this.lag();
    const deadLetters = await this.deadLetters();
    const figures = options.withFigures === false ? { figures: null, figuresError: 'not requested' } : await this.cachedFigures(now);
    const status = assembleOpsStatus({
      now,
      rule: { heartbeatIntervalMs: this.config.HEARTBEAT_INTERVAL_MS || 5_000, downAfterHeartbeats: this.config.ANALYTICS_OPS_DOWN_AFTER_HEARTBEATS },
      expectedServices: this.config.ANALYTICS_OPS_SERVICES,
      instances,
      lag,
      deadLetters,
    });
    return { ...status, ...figures };
  }

  private async instances(): Promise<InstanceRow[]> {
    const rows: InstanceSqlRow[] = await this.dataSource.query(
      `SELECT * FROM ops_instances WHERE last_heartbeat_at > now() - ($1::bigint * interval '1 millisecond')`,
      [this.config.ANALYTICS_OPS_FORGET_AFTER_MS],
    );
    return rows.map((r) => ({
      service: r.service,
      instance: r.instance,
      version: r.version,
      startedAt: r.started_at,
      ready: r.ready,
      uptimeSeconds: r.uptime_seconds,
      lastHeartbeatAt: r.last_heartbeat_at,
      httpRequests: num(r.http_requests),
      http4xx: num(r.http_4xx),
      http5xx: num(r.http_5xx),
      eventsHandled: num(r.events_handled),
      eventsFailed: num(r.events_failed),
      outboxBacklog: num(r.outbox_backlog),
      imports: Array.isArray(r.imports) ? r.imports : [],
      previousAt: r.previous_at,
      previousHttpRequests: num(r.previous_http_requests),
      previousHttp4xx: num(r.previous_http_4xx),
      previousHttp5xx: num(r.previous_http_5xx),
      previousEventsHandled: num(r.previous_events_handled),
      previousEventsFailed: num(r.previous_events_failed),
    }));
  }

  private async lag(): Promise<LagRow[]> {
    const rows: Array<{ group_id: string; topic: string; partition: number; committed_offset: string | null; end_offset: string; lag: string; measured_at: Date }> =
      await this.dataSource.query('SELECT * FROM ops_consumer_lag');
    return rows.map((r) => ({
      groupId: r.group_id,
      topic: r.topic,
      partition: r.partition,
      committedOffset: r.committed_offset,
      endOffset: r.end_offset,
      lag: Number(r.lag),
      measuredAt: r.measured_at,
    }));
  }

  private async deadLetters(): Promise<DeadLetterRow[]> {
    const rows: Array<{ source_topic: string; reason: string; count: string; last_at: Date }> = await this.dataSource.query('SELECT * FROM ops_dead_letters');
    return rows.map((r) => ({ sourceTopic: r.source_topic, reason: r.reason, count: Number(r.count), lastAt: r.last_at }));
  }

  private cachedFigures(now: Date): Promise<{ figures: DashboardFigures | null; figuresError?: string }> {
    const cache = this.figuresCache;
    if (cache && Date.now() - cache.at < FIGURES_TTL_MS) return cache.value;
    const value = this.dashboardFigures(now);
    this.figuresCache = { at: Date.now(), value };
    // A failure is not kept: the next refresh tries again.
    void value.then((result) => {
      if (result.figures === null && this.figuresCache?.value === value) this.figuresCache = null;
    });
    return value;
  }

  /** The business figures the charts draw; the operational part stands even when they fail. */
  private async dashboardFigures(now: Date): Promise<{ figures: DashboardFigures | null; figuresError?: string }> {
    try {
      // The figures live in the app's root module; found at call time, across modules.
      const figures = this.moduleRef.get(FiguresService, { strict: false });
      const from = new Date(now.getTime() - CHART_WEEKS * 7 * 86_400_000).toISOString().slice(0, 10);
      const activity = this.moduleRef.get(ActivityFiguresService, { strict: false });
      const records = await figures.summary({});
      const openings = await figures.openings({ period: 'week', from });
      const coverage = await figures.coverage();
      const documents = await activity.documents({ period: 'week', from });
      return {
        figures: {
          records,
          weeklyOpenings: weekly(openings.map((r) => ({ week: r.period, series: r.channel, value: r.opened }))),
          channels: Object.values(OpeningChannel) as string[],
          coverage,
          weeklyDocuments: weekly(documents.map((r) => ({ week: r.period, series: r.sourceCategory, value: r.documents }))),
          sources: Object.values(SourceCategory) as string[],
        },
      };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn({ msg: 'dashboard figures failed', reason });
      return { figures: null, figuresError: reason };
    }
  }
}

/** Rows of (week, series, value) folded into one entry per week, in week order. */
export function weekly(rows: Array<{ week: string; series: string; value: number }>): WeeklySeries[] {
  const weeks = new Map<string, WeeklySeries>();
  for (const row of rows) {
    const week = weeks.get(row.week) ?? { week: row.week, by: {}, total: 0 };
    week.by[row.series] = (week.by[row.series] ?? 0) + row.value;
    week.total += row.value;
    weeks.set(row.week, week);
  }
  return [...weeks.values()].sort((a, b) => a.week.localeCompare(b.week));
}
