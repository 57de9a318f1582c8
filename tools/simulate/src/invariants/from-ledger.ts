import type { ConsultationEntry, DocumentEntry, OpeningEntry, SimulationLedger } from '../types';
import type {
  ExpectedAccesses,
  ExpectedActivity,
  ExpectedDistinct,
  ExpectedDocument,
  ExpectedDocumentAlerts,
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
      addedByRole: addedByRoleOf(reference),
    });
  }
  return result;
}

/** The role documents sees adding a document, from the way it was sent. */
function addedByRoleOf(entry: DocumentEntry): string {
  return entry.addedByRole ?? (entry.way === 'none' ? 'unknown' : 'establishment');
}

/**
 * Consent tells a patient who asked for it of each new document, except one they added
 * themselves or one kept invisible to them until explained; the preference was set before any
 * document was sent, so every filed document after it counts.
 */
function documentAlertsOf(
  ledger: SimulationLedger,
  documents: readonly ExpectedDocument[],
): ExpectedDocumentAlerts[] {
  const byPatient = groupBy(documents, (d) => d.ins);
  const result: ExpectedDocumentAlerts[] = [];
  for (const preference of ledger.preferences ?? []) {
    if (!preference.notifyOnNewDocument || preference.outcome === 'rejected') continue;
    const alerted = (byPatient.get(preference.ins) ?? []).filter(
      (d) => !d.hiddenFromPatient && d.addedByRole !== 'patient',
    );
    const sure = preference.outcome === 'set';
    result.push({
      ins: preference.ins,
      certain: alerted.filter((d) => sure && d.certain).map((d) => d.documentId),
      uncertain: alerted.filter((d) => !sure || !d.certain).map((d) => d.documentId),
    });
  }
  return result;
}

/** Distinct members per breakdown: certain when one action was answered, uncertain otherwise. */
function distinct(
  items: ReadonlyArray<{ key: string; member: string; certain: boolean }>,
): ExpectedDistinct[] {
  const result: ExpectedDistinct[] = [];
  for (const [key, group] of groupBy(items, (i) => i.key)) {
    const certain = new Set(group.filter((i) => i.certain).map((i) => i.member));
    const uncertain = new Set(
      group.filter((i) => !i.certain && !certain.has(i.member)).map((i) => i.member),
    );
    result.push({ key, certain: [...certain].sort(), uncertain: [...uncertain].sort() });
  }
  return result.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Who fed and who read, as analytics counts them since the start: establishments and authors of
 * filed documents (by the establishment's kind and category, by the author's profession), and
 * professionals with a granted read. A documents list that came back empty says nothing of the
 * decision (its 200 is the same), so its reader may or may not count.
 */
function activityOf(ledger: SimulationLedger): ExpectedActivity {
  const establishments = new Map(ledger.population.establishments.map((e) => [e.finess, e]));
  const professions = new Map(ledger.population.professionals.map((p) => [p.rpps, p.profession]));
  const filed = ledger.documents.filter(
    (d) => d.outcome === 'accepted' || d.outcome === 'duplicate' || d.outcome === 'unknown',
  );
  const fed = (d: DocumentEntry): boolean => d.outcome !== 'unknown';
  return {
    feedingEstablishments: distinct(
      filed.flatMap((d) => {
        const e = d.establishmentFiness ? establishments.get(d.establishmentFiness) : undefined;
        return e ? [{ key: `${e.kind}/${e.category}`, member: e.finess, certain: fed(d) }] : [];
      }),
    ),
    feedingProfessionals: distinct(
      filed.flatMap((d) => {
        const profession = d.authorRpps ? professions.get(d.authorRpps) : undefined;
        return d.authorRpps && profession
          ? [{ key: profession, member: d.authorRpps, certain: fed(d) }]
          : [];
      }),
    ),
    consultingProfessionals: distinct(
      ledger.consultations
        .filter((c) => c.outcome !== 'refused')
        .map((c) => ({
          key: c.profession,
          member: c.rpps,
          certain:
            c.outcome === 'granted' && !(c.target === 'documents-list' && c.traceEntries <= 1),
        })),
    ),
  };
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
      // What one attempt of this read may have traced: one entry per document a list considered.
      const perAttempt =
        read.target === 'documents-list'
          ? Math.max(1, read.traceEntries, documentsPerPatient.get(ins) ?? 0)
          : Math.max(1, read.traceEntries);
      if (read.outcome === 'unknown') {
        // Unanswered: every attempt may have been traced, or none.
        entry.uncertainTraceEntries += perAttempt * Math.max(1, read.attempts);
      } else {
        entry.traceEntries += read.traceEntries;
        // A read is not idempotent: an attempt whose answer was lost (its instance killed while
        // answering, a reset connection) may have left its access events before the retry
        // that answered left its own.
        entry.uncertainTraceEntries += perAttempt * (Math.max(1, read.attempts) - 1);
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
    documentAlerts: documentAlertsOf(ledger, documents),
    emergencyReadPatients: [
      ...new Set(ledger.consultations.filter((c) => c.mode === 'emergency').map((c) => c.ins)),
    ].sort(),
    activity: activityOf(ledger),
  };
}
