import type { SimulationLedger } from './types';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const n = (value: number): string => value.toLocaleString('en-GB');

function shares(counts: Record<string, number>): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total === 0) return '-';
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${((100 * v) / total).toFixed(1)}%`)
    .join(', ');
}

/** A human summary of a run: what was done, per kind, and the mixes obtained. */
export function renderReport(ledger: SimulationLedger): string {
  const t = ledger.totals;
  const rows: string[][] = [
    [
      'openings',
      n(ledger.openings.length),
      `created ${n(t.openings.created)}, existing ${n(t.openings.existing)}, conflict ${n(t.openings.conflict)}, rejected ${n(t.openings.rejected)}, unknown ${n(t.openings.unknown)}`,
    ],
    ['  of which dependants', n(t.dependants), ''],
    [
      'documents',
      n(ledger.documents.length),
      `accepted ${n(t.documents.accepted)}, duplicate ${n(t.documents.duplicate)}, rejected ${n(t.documents.rejected)}, unknown ${n(t.documents.unknown)}, not sent ${n(t.documents['not-sent'])}`,
    ],
    ['backfill requests', n(t.backfillRequests), `answered ${n(t.backfillRequestsAnswered)}`],
    [
      'feed files',
      n(ledger.feedFiles.length),
      `completed ${n(t.feedFiles.completed)}, refused ${n(t.feedFiles.refused)}, unknown ${n(t.feedFiles.unknown)}; ${n(t.feedLines)} lines, ${n(t.feedLinesExpectedStored)} to store`,
    ],
    [
      'authorisations',
      n(ledger.authorisations.length),
      `authorised ${n(t.authorisations.authorised)}, rejected ${n(t.authorisations.rejected)}, unknown ${n(t.authorisations.unknown)}`,
    ],
    [
      'consultations',
      n(ledger.consultations.length),
      `granted ${n(t.consultations.granted)}, refused ${n(t.consultations.refused)}, unknown ${n(t.consultations.unknown)}; ${n(t.firstAccesses)} first accesses, ${n(t.traceEntries)} trace entries`,
    ],
  ];
  const lines = [
    `simulation seed ${ledger.seed}, scale ${ledger.scale}: ${(ledger.durationMs / 1000).toFixed(1)} s${ledger.aborted ? ' (ABORTED)' : ''}, ${n(t.retries)} retries`,
    '',
    table(['action', 'count', 'outcomes'], rows),
    '',
    `openings by channel (created): ${shares(t.openingsByChannel)}`,
    `documents by source (planned): ${shares(t.documentsBySource)}`,
    `documents by way in:           ${shares(t.documentsByWay)}`,
    `consultations by mode:         ${shares(t.consultationsByMode)}`,
    `time per phase:                ${Object.entries(ledger.phaseDurationsMs ?? {})
      .map(([phase, ms]) => `${phase} ${((ms ?? 0) / 1000).toFixed(1)} s`)
      .join(', ')}`,
  ];
  if (ledger.anomalies.length > 0) {
    lines.push(
      '',
      `anomalies (${ledger.anomalies.length}):`,
      ...ledger.anomalies.slice(0, 20).map((a) => `  - ${a}`),
    );
    if (ledger.anomalies.length > 20)
      lines.push(`  ... and ${ledger.anomalies.length - 20} more in the ledger`);
  }
  return lines.join('\n');
}
