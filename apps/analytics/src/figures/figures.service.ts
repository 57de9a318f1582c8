import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CoverageRow, CpamOffice, coverageTable } from '../reference/cpam-reference';
import { FiguresQueryDto } from './figures.dto';

export const CPAM_OFFICES = Symbol('CPAM_OFFICES');

export interface OpeningsRow {
  period: string;
  channel: string;
  opened: number;
}

export interface RecordsSummary {
  opened: number;
  closed: number;
  open: number;
}

export interface PharmacyOpeningsRow {
  finess: string;
  opened: number;
}

/** Periods are cut in Paris time: a DMP opened at 00:30 on a Monday belongs to that Monday. */
const ZONE = 'Europe/Paris';

@Injectable()
export class FiguresService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CPAM_OFFICES) private readonly offices: CpamOffice[],
  ) {}

  async openings(query: FiguresQueryDto): Promise<OpeningsRow[]> {
    const { where, params } = this.filters(query);
    params.push(query.period ?? 'week');
    const rows: Array<{ period: string; channel: string; opened: string }> = await this.dataSource.query(
      `SELECT to_char(date_trunc($${params.length}, opened_at AT TIME ZONE '${ZONE}'), 'YYYY-MM-DD') AS period,
              channel, count(*) AS opened
         FROM record_facts WHERE ${where}
        GROUP BY 1, 2 ORDER BY 1, 2`,
      params,
    );
    return rows.map((r) => ({ period: r.period, channel: r.channel, opened: Number(r.opened) }));
  }

  async summary(query: FiguresQueryDto): Promise<RecordsSummary> {
    const { where, params } = this.filters(query);
    const [row]: Array<{ opened: string; closed: string }> = await this.dataSource.query(
      `SELECT count(*) AS opened, count(closed_at) AS closed FROM record_facts WHERE ${where}`,
      params,
    );
    const opened = Number(row.opened);
    const closed = Number(row.closed);
    return { opened, closed, open: opened - closed };
  }

  async coverage(): Promise<CoverageRow[]> {
    const rows: Array<{ cpam_code: string; open: string }> = await this.dataSource.query(
      `SELECT cpam_code, count(*) AS open FROM record_facts
        WHERE opened_at IS NOT NULL AND closed_at IS NULL GROUP BY cpam_code`,
    );
    return coverageTable(this.offices, new Map(rows.map((r) => [r.cpam_code, Number(r.open)])));
  }

  /** The 1-euro-per-DMP payment: openings by pharmacy over the chosen days. */
  async pharmacyOpenings(query: FiguresQueryDto): Promise<PharmacyOpeningsRow[]> {
    const { where, params } = this.filters({ ...query, channel: undefined });
    const rows: Array<{ finess: string; opened: string }> = await this.dataSource.query(
      `SELECT opener_id AS finess, count(*) AS opened FROM record_facts
        WHERE ${where} AND channel = 'pharmacy' GROUP BY opener_id ORDER BY opener_id`,
      params,
    );
    return rows.map((r) => ({ finess: r.finess, opened: Number(r.opened) }));
  }

  private filters(query: FiguresQueryDto): { where: string; params: unknown[] } {
    const clauses = ['opened_at IS NOT NULL'];
    const params: unknown[] = [];
    if (query.cpam) {
      params.push(query.cpam);
      clauses.push(`cpam_code = $${params.length}`);
    }
    if (query.channel) {
      params.push(query.channel);
      clauses.push(`channel = $${params.length}`);
    }
    if (query.from) {
      params.push(query.from);
      clauses.push(`opened_at >= ($${params.length}::date AT TIME ZONE '${ZONE}')`);
    }
    if (query.to) {
      params.push(query.to);
      clauses.push(`opened_at < (($${params.length}::date + 1) AT TIME ZONE '${ZONE}')`);
    }
    return { where: clauses.join(' AND '), params };
  }
}
