/**
 * What the suite must show after a run, derived from what the simulator did (its ledger).
 * `certain` items were answered (accepted, opened, imported); `uncertain` ones got no answer
 * because a process died under them: they may or may not have taken effect, so they are
 * allowed to be present once or absent, never twice.
 */
export interface ExpectedOpening {
  ins: string;
  cpamCode: string;
  /** The channel as analytics names it (`cpam-counter`, `pharmacy`, `patient-online`...). */
  channel: string;
  /** The pharmacy's FINESS for pharmacy openings (the 1-euro payment is per pharmacy). */
  pharmacyFiness?: string;
  certain: boolean;
}

export interface ExpectedDocument {
  ins: string;
  documentId: string;
  sha256: string;
  certain: boolean;
  /** Invisible to the patient until explained: the patient's list counts it as refused, not listed. */
  hiddenFromPatient: boolean;
  /** The source as analytics splits documents (`patient`, `establishment`...), when known. */
  sourceCategory?: string;
  /** The role that added it (`establishment`, `professional`, `patient`, `legal-representative`), when known. */
  addedByRole?: string;
}

export interface ExpectedReimbursements {
  ins: string;
  /** Lines that must be stored for this patient (in the 24-month window, of an open record). */
  lines: number;
  /** Lines of files whose import outcome is unknown (they may be stored, once). */
  uncertainLines: number;
}

export interface ExpectedAccesses {
  ins: string;
  /** Trace entries the simulator's answered reads must have produced. */
  traceEntries: number;
  /** Reads without an answer: each may have produced its entries or not. */
  uncertainTraceEntries: number;
  /** Professionals (RPPS, or FINESS for an establishment) whose first granted access must notify the patient once. */
  firstAccessBy: string[];
  /** First accesses whose read had no answer (notification allowed, once, or absent). */
  uncertainFirstAccessBy: string[];
  /**
   * Professionals whose only "granted" reads were empty document lists: an empty list answers
   * 200 whatever the decision, so the answer does not say whether access was granted. The
   * patient's trace does: a granted entry by them means one notification, none means none.
   */
  firstAccessIfTraced: string[];
}

/** New-document notifications a patient who asked for them must have received, one per document. */
export interface ExpectedDocumentAlerts {
  ins: string;
  /** Documents filed after the preference was set, not added by the patient, visible to them. */
  certain: string[];
  /** Documents whose filing (or the preference itself) got no answer. */
  uncertain: string[];
}

/** Distinct members of a figure (establishments, professionals) per breakdown of the figure. */
export interface ExpectedDistinct {
  /** The figure's breakdown (`health/chu`, `physician`). */
  key: string;
  certain: string[];
  /** Members that may count (an unanswered action) and are not already certain. */
  uncertain: string[];
}

/** Analytics' "who feeds and who reads" figures (period `all`). */
export interface ExpectedActivity {
  /** Establishments whose documents were filed, by `kind/category`. */
  feedingEstablishments: ExpectedDistinct[];
  /** Authors (RPPS) of filed documents, by profession. */
  feedingProfessionals: ExpectedDistinct[];
  /** Professionals with a granted read, by profession. */
  consultingProfessionals: ExpectedDistinct[];
}

export interface Expectations {
  openings: ExpectedOpening[];
  documents: ExpectedDocument[];
  reimbursements: ExpectedReimbursements[];
  accesses: ExpectedAccesses[];
  /** Patients who asked to be told of new documents (absent: no such patient). */
  documentAlerts?: ExpectedDocumentAlerts[];
  /** Patients read in emergency mode: each granted emergency access in their trace notifies them once. */
  emergencyReadPatients?: string[];
  activity?: ExpectedActivity;
}

export function emptyExpectations(): Expectations {
  return { openings: [], documents: [], reimbursements: [], accesses: [] };
}
