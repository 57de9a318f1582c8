import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EstablishmentCategory, establishmentKindOf } from '@dmp/domain';
import { DistinctFigure } from '../activity/figure-names';
import { Granularity, granularityOf, monthStart, nextPeriodStart, periodStart } from '../periods/paris-periods';
import { DAY_BIT_SUMS, dayCounts, MonthDayCounts } from './member-periods';
import { DistinctQueryDto, DocumentsQueryDto, NotificationsQueryDto, PatientsAddingQueryDto, PeriodQueryDto } from './activity-figures.dto';

export interface DocumentsRow {
  period: string;
  sourceCategory: string;
  type: string;
  /** New documents (document-added). */
  documents: number;
  /** New versions of existing documents (document-replaced). */
  replacements: number;
}

export interface EstablishmentsRow {
  period: string;
  kind: string;
  category: string;
  establishments: number;
}

export interface ProfessionalsRow {
  period: string;
  profession: string;
  professionals: number;
}

export interface PatientsRow {
  period: string;
  patients: number;
}

export interface NotificationsRow {
  period: string;
  trigger: string;
  channel: string;
  notifications: number;
}

export interface ReimbursementLinesRow {
  period: string;
  kind: string;
  files: number;
  refusedFiles: number;
  linesRead: number;
  linesImported: number;
  duplicates: number;
  rejected: number;
  unknownPatient: number;
  outOfWindow: number;
}

class Where {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];

  add(clause: (placeholder: string) => string, value: unknown): this {
    this.params.push(value);
    this.clauses.push(clause(`$${this.params.length}`));
    return this;
  }

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  toString(): string {
    return this.clauses.length === 0 ? 'TRUE' : this.clauses.join(' AND ');
  }
}

/**
 * The documents, feeding, consulting, notification and reimbursement-import figures. Documents
 * and notifications read counters (one row per day and breakdown), never the facts; distinct
 * members are counted from one row per member and month (its days as bits).
 */
@Injectable()
export class ActivityFiguresService {
  constructor(private readonly dataSource: DataSource) {}

  async documents(query: DocumentsQueryDto): Promise<DocumentsRow[]> {
    const where = this.days(query);
    if (query.cpam) where.add((p) => `cpam_code = ${p}`, query.cpam);
    if (query.source) where.add((p) => `source_category = ${p}`, query.source);
    if (query.type) where.add((p) => `type = ${p}`, query.type);
    const period = where.param(query.period ?? 'week');
    const rows: Array<{ period: string; source_category: string; type: string; added: string; replaced: string }> = await this.dataSource.query(
      `SELECT to_char(date_trunc(${period}, day::timestamp), 'YYYY-MM-DD') AS period, source_category, type,
              sum(added) AS added, sum(replaced) AS replaced
         FROM document_counts WHERE ${where}
        GROUP BY 1, 2, 3 HAVING sum(added) + sum(replaced) > 0 ORDER BY 1, 2, 3`,
      where.params,
    );
    return rows.map((r) => ({ period: r.period, sourceCategory: r.source_category, type: r.type, documents: Number(r.added), replacements: Number(r.replaced) }));
  }

  async notifications(query: NotificationsQueryDto): Promise<NotificationsRow[]> {
    const where = this.days(query);
    if (query.cpam) where.add((p) => `cpam_code = ${p}`, query.cpam);
    if (query.channel) where.add((p) => `channel = ${p}`, query.channel);
    if (query.trigger) where.add((p) => `trigger = ${p}`, query.trigger);
    const period = where.param(query.period ?? 'week');
    const rows: Array<{ period: string; trigger: string; channel: string; n: string }> = await this.dataSource.query(
      `SELECT to_char(date_trunc(${period}, day::timestamp), 'YYYY-MM-DD') AS period, trigger, channel, sum(notifications) AS n
         FROM notification_counts WHERE ${where}
        GROUP BY 1, 2, 3 HAVING sum(notifications) > 0 ORDER BY 1, 2, 3`,
      where.params,
    );
    return rows.map((r) => ({ period: r.period, trigger: r.trigger, channel: r.channel, notifications: Number(r.n) }));
  }

  /** A few thousand files a year: a query over the file facts is cheap. */
  async reimbursementLines(query: PeriodQueryDto): Promise<ReimbursementLinesRow[]> {
    const where = this.days(query);
    const period = where.param(query.period ?? 'week');
    const rows: Array<Record<string, string>> = await this.dataSource.query(
      `SELECT to_char(date_trunc(${period}, day::timestamp), 'YYYY-MM-DD') AS period, kind,
              count(*) AS files, count(*) FILTER (WHERE status = 'refused') AS refused_files,
              sum(lines_read) AS lines_read, sum(lines_imported) AS lines_imported, sum(lines_duplicate) AS duplicates,
              sum(lines_rejected) AS rejected, sum(lines_unknown_patient) AS unknown_patient, sum(lines_out_of_window) AS out_of_window
         FROM reimbursement_file_facts WHERE ${where}
        GROUP BY 1, 2 ORDER BY 1, 2`,
      where.params,
    );
    return rows.map((r) => ({
      period: r['period'],
      kind: r['kind'],
      files: Number(r['files']),
      refusedFiles: Number(r['refused_files']),
      linesRead: Number(r['lines_read']),
      linesImported: Number(r['lines_imported']),
      duplicates: Number(r['duplicates']),
      rejected: Number(r['rejected']),
      unknownPatient: Number(r['unknown_patient']),
      outOfWindow: Number(r['out_of_window']),
    }));
  }

  async feedingEstablishments(query: DistinctQueryDto): Promise<EstablishmentsRow[]> {
    const rows = await this.distinct(DistinctFigure.FEEDING_ESTABLISHMENTS, query);
    return rows.map((r) => ({
      period: r.period,
      kind: establishmentKindOf[r.grp as EstablishmentCategory] ?? 'unknown',
      category: r.grp,
      establishments: r.members,
    }));
  }

  async feedingProfessionals(query: DistinctQueryDto): Promise<ProfessionalsRow[]> {
    return (await this.distinct(DistinctFigure.FEEDING_PROFESSIONALS, query)).map((r) => ({ period: r.period, profession: r.grp, professionals: r.members }));
  }

  async consultingProfessionals(query: DistinctQueryDto): Promise<ProfessionalsRow[]> {
    return (await this.distinct(DistinctFigure.CONSULTING_PROFESSIONALS, query)).map((r) => ({ period: r.period, profession: r.grp, professionals: r.members }));
  }

  async patientsAdding(query: PatientsAddingQueryDto): Promise<PatientsRow[]> {
    const rows = await this.distinct(DistinctFigure.ADDING_PATIENTS, query, query.cpam);
    const byPeriod = new Map<string, number>();
    for (const r of rows) byPeriod.set(r.period, (byPeriod.get(r.period) ?? 0) + r.members);
    return [...byPeriod.entries()].map(([period, patients]) => ({ period, patients }));
  }

  /**
   * Distinct members per period and breakdown, counted from the member-month rows of the period:
   * a member is in one breakdown (an establishment's category, a professional's profession) and
   * one CPAM, so a count per breakdown counts nobody twice. Weeks and months are whole periods:
   * those that start on or before `to` and end on or after `from`; "all" ignores the days.
   * Everything is counted by PostgreSQL, the service reads only the counts: months and ever
   * count rows, days sum each day bit, weeks count the rows with days in each week of their
   * month, less the members whose rows of both months have days in a week across two months.
   */
  private async distinct(figure: DistinctFigure, query: DistinctQueryDto, cpam?: string): Promise<Array<{ period: string; grp: string; members: number }>> {
    const granularity = granularityOf[query.period ?? 'week'];
    const where = new Where().add((p) => `figure = ${p}`, figure);
    const from = query.from && granularity !== Granularity.ALL ? periodStart(granularity, query.from) : undefined;
    const before = query.to && granularity !== Granularity.ALL ? nextPeriodStart(granularity, query.to) : undefined;
    if (from) where.add((p) => `month >= ${p}::date`, monthStart(from));
    if (before) where.add((p) => `month < ${p}::date`, before);
    if (cpam) where.add((p) => `cpam_code = ${p}`, cpam);
    if (granularity === Granularity.MONTH || granularity === Granularity.ALL) {
      const rows: Array<{ period: string; grp: string; n: string }> = await this.dataSource.query(
        granularity === Granularity.MONTH
          ? `SELECT month::text AS period, grp, count(*) AS n FROM member_months WHERE ${where} GROUP BY 1, 2 ORDER BY 1, 2`
          : `SELECT 'all' AS period, grp, count(*) AS n FROM (SELECT DISTINCT grp, member_id FROM member_months WHERE ${where}) m GROUP BY 1, 2 ORDER BY 1, 2`,
        where.params,
      );
      return rows.map((r) => ({ period: r.period, grp: r.grp, members: Number(r.n) }));
    }
    if (granularity === Granularity.DAY) {
      const sums: MonthDayCounts[] = await this.dataSource.query(`SELECT month::text AS month, grp, ${DAY_BIT_SUMS} AS n FROM member_months WHERE ${where} GROUP BY 1, 2`, where.params);
      return dayCounts(sums, from, before);
    }
    // Weeks are whole in [from, before): both are Mondays.
    const inRange = [from ? `c.monday >= ${where.param(from)}::date` : 'TRUE', before ? `c.monday < ${where.param(before)}::date` : 'TRUE'].join(' AND ');
    const rows: Array<{ period: string; grp: string; n: number }> = await this.dataSource.query(
      `WITH r AS MATERIALIZED (SELECT month, member_id, grp, days FROM member_months WHERE ${where}),
       -- Each month's weeks: the Monday and the bits of the month's days in that week.
       slots AS (
         SELECT m.month, (m.month - (extract(isodow FROM m.month)::int - 1) + 7 * w.i) AS monday,
                greatest(0, 7 * w.i - (extract(isodow FROM m.month)::int - 1)) AS lo,
                least(30, 7 * w.i + 6 - (extract(isodow FROM m.month)::int - 1)) AS hi
           FROM (SELECT DISTINCT month FROM r) m CROSS JOIN generate_series(0, 5) AS w(i)),
       weeks AS (SELECT month, monday, ((((1::bigint << (hi - lo + 1)) - 1) << lo))::int AS bits FROM slots WHERE hi >= lo),
       counted AS (
         SELECT k.monday, r.grp, count(*) AS n FROM r JOIN weeks k ON k.month = r.month
          WHERE r.days & k.bits <> 0 GROUP BY 1, 2),
       -- A member with days in both months of a week across two months was counted in each.
       twice AS (
         SELECT ka.monday, a.grp, count(*) AS n
           FROM r a JOIN r b ON b.member_id = a.member_id AND b.grp = a.grp AND b.month = (a.month + interval '1 month')::date
           JOIN weeks ka ON ka.month = a.month JOIN weeks kb ON kb.month = b.month AND kb.monday = ka.monday
          WHERE a.days & ka.bits <> 0 AND b.days & kb.bits <> 0 GROUP BY 1, 2)
       SELECT c.monday::text AS period, c.grp, (c.n - coalesce(t.n, 0))::int AS n
         FROM counted c LEFT JOIN twice t ON t.monday = c.monday AND t.grp = c.grp
        WHERE ${inRange}
        ORDER BY 1, 2`,
      where.params,
    );
    return rows.map((r) => ({ period: r.period, grp: r.grp, members: r.n }));
  }

  private days(query: { from?: string; to?: string }): Where {
    const where = new Where();
    if (query.from) where.add((p) => `day >= ${p}::date`, query.from);
    if (query.to) where.add((p) => `day <= ${p}::date`, query.to);
    return where;
  }
}
