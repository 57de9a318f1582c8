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

export interface Expectations {
  openings: ExpectedOpening[];
  documents: ExpectedDocument[];
  reimbursements: ExpectedReimbursements[];
  accesses: ExpectedAccesses[];
}

export function emptyExpectations(): Expectations {
  return { openings: [], documents: [], reimbursements: [], accesses: [] };
}
