import type { LedgerTotals, SimulationLedger } from './types';

type LedgerEntries = Pick<
  SimulationLedger,
  | 'openings'
  | 'dependants'
  | 'documents'
  | 'backfillRequests'
  | 'feedFiles'
  | 'authorisations'
  | 'consultations'
>;

export function emptyTotals(): LedgerTotals {
  return {
    openings: { created: 0, existing: 0, conflict: 0, rejected: 0, unknown: 0 },
    openingsByChannel: {},
    dependants: 0,
    documents: { accepted: 0, duplicate: 0, rejected: 0, unknown: 0, 'not-sent': 0 },
    documentsBySource: {},
    documentsByWay: {},
    feedFiles: { completed: 0, refused: 0, unknown: 0 },
    feedLines: 0,
    feedLinesExpectedStored: 0,
    backfillRequests: 0,
    backfillRequestsAnswered: 0,
    authorisations: { authorised: 0, rejected: 0, unknown: 0 },
    consultations: { granted: 0, refused: 0, unknown: 0 },
    consultationsByMode: {},
    firstAccesses: 0,
    traceEntries: 0,
    retries: 0,
  };
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** The ledger's totals, recomputed from its entries (`retries` is counted while running). */
export function computeTotals(ledger: LedgerEntries, retries: number): LedgerTotals {
  const totals = emptyTotals();
  totals.retries = retries;
  for (const o of ledger.openings) {
    totals.openings[o.outcome]++;
    if (o.outcome === 'created') bump(totals.openingsByChannel, o.channel);
  }
  totals.dependants = ledger.dependants.length;
  for (const d of ledger.documents) {
    totals.documents[d.outcome]++;
    if (d.intent === 'normal') {
      bump(totals.documentsBySource, d.sourceCategory);
      bump(totals.documentsByWay, d.way);
    }
  }
  for (const f of ledger.feedFiles) {
    totals.feedFiles[f.outcome]++;
    totals.feedLines += f.lines;
    totals.feedLinesExpectedStored += f.expectedStored;
  }
  totals.backfillRequests = ledger.backfillRequests.length;
  totals.backfillRequestsAnswered = ledger.backfillRequests.filter(
    (r) => r.fileId !== undefined,
  ).length;
  for (const a of ledger.authorisations) totals.authorisations[a.outcome]++;
  for (const c of ledger.consultations) {
    totals.consultations[c.outcome]++;
    bump(totals.consultationsByMode, c.mode);
    if (c.firstAccess) totals.firstAccesses++;
    totals.traceEntries += c.traceEntries;
  }
  return totals;
}
