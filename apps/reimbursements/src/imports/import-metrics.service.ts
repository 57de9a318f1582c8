import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '@dmp/observability';
import { ImportProgress, ImportSummary } from '../import/feed-importer';

/** Import progress and outcomes on /metrics (per file while it runs, totals by outcome). */
@Injectable()
export class ImportMetrics {
  private readonly linesDone: Gauge<string>;
  private readonly linesTotal: Gauge<string>;
  private readonly rate: Gauge<string>;
  private readonly eta: Gauge<string>;
  private readonly lines: Counter<string>;
  private readonly files: Counter<string>;

  constructor(metrics: MetricsService) {
    this.linesDone = metrics.gauge(
      'reimbursements_import_lines_done',
      'Lines of the file committed so far',
      ['file_id'],
    );
    this.linesTotal = metrics.gauge(
      'reimbursements_import_lines_declared',
      'Lines the file declares',
      ['file_id'],
    );
    this.rate = metrics.gauge(
      'reimbursements_import_lines_per_second',
      'Import rate over the last seconds',
      ['file_id'],
    );
    this.eta = metrics.gauge(
      'reimbursements_import_eta_seconds',
      'Estimated seconds to the end of the file',
      ['file_id'],
    );
    this.lines = metrics.counter(
      'reimbursements_import_lines_total',
      'Lines of imported files by outcome',
      ['outcome'],
    );
    this.files = metrics.counter('reimbursements_import_files_total', 'Files by outcome', [
      'outcome',
    ]);
  }

  progress(p: ImportProgress): void {
    this.linesDone.set({ file_id: p.fileId }, p.linesDone);
    this.linesTotal.set({ file_id: p.fileId }, p.totalLines);
    this.rate.set({ file_id: p.fileId }, Math.round(p.linesPerSecond));
    this.eta.set({ file_id: p.fileId }, p.etaSeconds ?? -1);
  }

  finished(summary: ImportSummary): void {
    // Per-file series go when the file is done, so their number stays bounded.
    for (const gauge of [this.linesDone, this.linesTotal, this.rate, this.eta])
      gauge.remove({ file_id: summary.fileId });
    this.files.inc({ outcome: summary.outcome });
    if (summary.outcome !== 'completed') return;
    const c = summary.counts;
    this.lines.inc({ outcome: 'imported' }, c.imported);
    this.lines.inc({ outcome: 'duplicate' }, c.duplicates);
    this.lines.inc({ outcome: 'rejected' }, c.rejected);
    this.lines.inc({ outcome: 'unknown-patient' }, c.unknownPatient);
    this.lines.inc({ outcome: 'out-of-window' }, c.outOfWindow);
  }
}
