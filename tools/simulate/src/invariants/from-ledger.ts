import type { ConsultationEntry, DocumentEntry, OpeningEntry, SimulationLedger } from '../types';
import type {
  ExpectedAccesses,
  ExpectedDocument,
  ExpectedOpening,
  ExpectedReimbursements,
  Expectations,
} from './expectations';
import { groupBy } from '../group-by';

/**
 * One record per INS: it certainly exists when an opening was answered 201 or 200 (the same
 * record), or 409 (someone else opened it: that opening is in the ledger too); it may exist
 * when the only attempts got no answer. The channel, office and pharmacy are those of the
 * opening that created it (or of our own attempt whose answer was lost).
 */
function openingsOf(entries: readonly OpeningEntry[]): ExpectedOpening[] {
  const result: ExpectedOpening[] = [];
  for (const [ins, attempts] of groupBy(entries, (o) => o.ins)) {
    const creator =
      attempts.find((o) => o.outcome === 'created') ??
      attempts.find((o) => o.outcome === 'existing') ??
      attempts.find((o) => o.outcome === 'unknown' && o.intent !== 'invalid');
    if (!creator) continue;
    const certain = attempts.some(
      (o) => o.outcome === 'created' || o.outcome === 'existing' || o.outcome === 'conflict',
    );
    result.push({
      ins,
      cpamCode: creator.cpamCode,
      channel: creator.channel,
      ...(creator.channel === 'pharmacy' && creator.pharmacyFiness
        ? { pharmacyFiness: creator.pharmacyFiness }
        : {}),
      certain,
    });
  }
  return result;
}

/** One stored document per id: certain once accepted (or answered duplicate), possible while only unknown. */
function documentsOf(entries: readonly DocumentEntry[]): ExpectedDocument[] {
  const result: ExpectedDocument[] = [];
  for (const [documentId, sends] of groupBy(entries, (d) => d.documentId)) {
    const stored = sends.find((d) => d.outcome === 'accepted' || d.outcome === 'duplicate');
    const maybe = sends.find((d) => d.outcome === 'unknown');
    const reference = stored ?? maybe;
    if (!reference) continue;
    result.push({
      ins: reference.ins,
      documentId,
      sha256: reference.sha256,
      certain: stored !== undefined,
      hiddenFromPatient: reference.invisibleToPatientUntilExplained,
      sourceCategory: reference.sourceCategory,
    });
  }
  return result;
}

function reimbursementsOf(
  ledger: SimulationLedger,
  uncertainRecords: ReadonlySet<string>,
): ExpectedReimbursements[] {
  const perPatient = new Map<string, ExpectedReimbursements>();
  for (const file of ledger.feedFiles) {
    if (file.outcome === 'refused') continue;
    for (const lines of file.patients) {
      if (!lines.openRecord && !uncertainRecords.has(lines.ins)) continue;
      const entry = perPatient.get(lines.ins) ?? { ins: lines.ins, lines: 0, uncertainLines: 0 };
      if (file.outcome === 'completed' && lines.openRecord && !uncertainRecords.has(lines.ins))
        entry.lines += lines.inWindow;
      else entry.uncertainLines += lines.inWindow;
      perPatient.set(lines.ins, entry);
    }
  }
  return [...perPatient.values()];
}

function accessesOf(
  consultations: readonly ConsultationEntry[],
  documents: readonly ExpectedDocument[],
): ExpectedAccesses[] {
  const documentsPerPatient = new Map<string, number>();
  for (const d of documents)
    documentsPerPatient.set(d.ins, (documentsPerPatient.get(d.ins) ?? 0) + 1);
  const result: ExpectedAccesses[] = [];
  for (const [ins, reads] of groupBy(consultations, (c) => c.ins)) {
    const entry: ExpectedAccesses = {
      ins,
      traceEntries: 0,
      uncertainTraceEntries: 0,
      firstAccessBy: [],
      uncertainFirstAccessBy: [],
      firstAccessIfTraced: [],
    };
    for (const read of reads) {
      if (read.outcome === 'unknown') {
        // Unanswered: it may have been traced, with one entry per document considered by a list.
        entry.uncertainTraceEntries +=
          read.target === 'documents-list'
            ? Math.max(1, read.traceEntries, documentsPerPatient.get(ins) ?? 0)
            : Math.max(1, read.traceEntries);
      } else {
        entry.traceEntries += read.traceEntries;
      }
    }
    // A list of one entry may be an empty list, whose 200 says nothing of the decision.
    const undecided = (r: ConsultationEntry): boolean =>
      r.target === 'documents-list' && r.traceEntries <= 1;
    const granted = reads.filter((r) => r.outcome === 'granted');
    const first = new Set(granted.filter((r) => !undecided(r)).map((r) => r.rpps));
    const ifTraced = new Set(
      granted.filter((r) => undecided(r) && !first.has(r.rpps)).map((r) => r.rpps),
    );
    const maybe = new Set(
      reads
        .filter((r) => r.outcome === 'unknown' && !first.has(r.rpps) && !ifTraced.has(r.rpps))
        .map((r) => r.rpps),
    );
    entry.firstAccessBy = [...first];
    entry.uncertainFirstAccessBy = [...maybe];
    entry.firstAccessIfTraced = [...ifTraced];
    result.push(entry);
  }
  return result;
}

/** What the suite must show after the run the ledger describes. */
export function expectationsFromLedger(ledger: SimulationLedger): Expectations {
  const openings = openingsOf(ledger.openings);
  const uncertainRecords = new Set(openings.filter((o) => !o.certain).map((o) => o.ins));
  const documents = documentsOf(ledger.documents);
  return {
    openings,
    documents,
    reimbursements: reimbursementsOf(ledger, uncertainRecords),
    accesses: accessesOf(ledger.consultations, documents),
  };
}
