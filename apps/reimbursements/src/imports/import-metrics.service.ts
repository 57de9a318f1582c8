import { Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import type { HeartbeatImportProgress } from '@dmp/contracts';
import { HeartbeatContributors, MetricsService } from '@dmp/observability';
import { ImportProgress, ImportSummary } from '../import/feed-importer';

// A file whose progress has not moved for this long is no longer reported as running (an import
// that failed keeps no progress callback to say so: it resumes later from its checkpoint).
const RUNNING_STALE_MS = 60_000;

/**
 * Import progress and outcomes on /metrics (per file while it runs, totals by outcome), and the
 * running imports in this instance's heartbeats (the operators' dashboard draws their progress).
 */
@Injectable()
export class ImportMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly running = new Map<string, HeartbeatImportProgress & { at: number }>();
  private unregister: (() => void) | undefined;
  private readonly linesDone: Gauge<string>;
  private readonly linesTotal: Gauge<string>;
  private readonly rate: Gauge<string>;
  private readonly eta: Gauge<string>;
  private readonly lines: Counter<string>;
  private readonly files: Counter<string>;

  constructor(
    metrics: MetricsService,
    @Optional() private readonly heartbeat?: HeartbeatContributors,
  ) {
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

  onModuleInit(): void {
    this.unregister = this.heartbeat?.add('reimbursements-imports', () => ({
      imports: this.runningImports(),
    }));
  }

  onModuleDestroy(): void {
    this.unregister?.();
  }

  /** Files importing on this instance now, with their progress. */
  runningImports(now = Date.now()): HeartbeatImportProgress[] {
    const out: HeartbeatImportProgress[] = [];
    for (const [fileId, { at, ...progress }] of this.running) {
      if (now - at > RUNNING_STALE_MS) this.running.delete(fileId);
      else out.push(progress);
    }
    return out;
  }

  progress(p: ImportProgress): void {
    this.running.set(p.fileId, {
      fileId: p.fileId,
      linesDone: p.linesDone,
      totalLines: p.totalLines,
      linesPerSecond: Math.round(p.linesPerSecond),
      ...(p.etaSeconds === null ? {} : { etaSeconds: Math.round(p.etaSeconds) }),
      at: Date.now(),
    });
    this.linesDone.set({ file_id: p.fileId }, p.linesDone);
    this.linesTotal.set({ file_id: p.fileId }, p.totalLines);
    this.rate.set({ file_id: p.fileId }, Math.round(p.linesPerSecond));
    this.eta.set({ file_id: p.fileId }, p.etaSeconds ?? -1);
  }

  finished(summary: ImportSummary): void {
    this.running.delete(summary.fileId);
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
