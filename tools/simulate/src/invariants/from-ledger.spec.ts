import { computeTotals } from '../ledger';
import type {
  ConsultationEntry,
  DocumentEntry,
  FeedFileEntry,
  OpeningEntry,
  SimulationLedger,
} from '../types';
import { expectationsFromLedger } from './from-ledger';

const at = '2026-11-23T10:00:00.000Z';

function opening(
  ins: string,
  outcome: OpeningEntry['outcome'],
  extra: Partial<OpeningEntry> = {},
): OpeningEntry {
  return {
    seq: 0,
    ins,
    intent: 'first',
    channel: 'cpam-counter' as OpeningEntry['channel'],
    actor: { role: 'cpam-agent', id: 'a' },
    cpamCode: '941',
    birthDate: '1980-01-01',
    outcome,
    status: 201,
    attempts: 1,
    at,
    ...extra,
  };
}

function document(
  documentId: string,
  ins: string,
  outcome: DocumentEntry['outcome'],
  extra: Partial<DocumentEntry> = {},
): DocumentEntry {
  return {
    seq: 0,
    documentId,
    ins,
    intent: 'normal',
    sourceCategory: 'establishment' as DocumentEntry['sourceCategory'],
    way: 'http',
    type: '11490-0' as DocumentEntry['type'],
    format: 'text' as DocumentEntry['format'],
    sha256: `sha-${documentId}`,
    sizeBytes: 1,
    maskedFromProfessionals: false,
    invisibleToPatientUntilExplained: false,
    outcome,
    answers: [],
    attempts: 1,
    at,
    ...extra,
  };
}

function consultation(
  ins: string,
  rpps: string,
  outcome: ConsultationEntry['outcome'],
  extra: Partial<ConsultationEntry> = {},
): ConsultationEntry {
  return {
    seq: 0,
    ins,
    rpps,
    profession: 'physician' as ConsultationEntry['profession'],
    mode: 'normal',
    target: 'reimbursements',
    outcome,
    status: 200,
    firstAccess: false,
    traceEntries: 1,
    attempts: 1,
    at,
    ...extra,
  };
}

function file(
  outcome: FeedFileEntry['outcome'],
  patients: FeedFileEntry['patients'],
): FeedFileEntry {
  return {
    seq: 0,
    fileId: `F-${outcome}`,
    kind: 'delta',
    way: 'upload',
    sha256: 'x',
    lines: 0,
    expectedStored: 0,
    expectedOutOfWindow: 0,
    expectedUnknownPatient: 0,
    patients,
    requestIds: [],
    outcome,
    attempts: 1,
    at,
  };
}

function ledgerOf(
  entries: Partial<
    Pick<SimulationLedger, 'openings' | 'documents' | 'consultations' | 'feedFiles'>
  >,
): SimulationLedger {
  const parts = {
    openings: [],
    dependants: [],
    documents: [],
    backfillRequests: [],
    feedFiles: [],
    authorisations: [],
    consultations: [],
    ...entries,
  };
  return {
    version: 1,
    seed: 1,
    scale: 1,
    startedAt: at,
    finishedAt: at,
    durationMs: 0,
    aborted: false,
    endpoints: { enrolment: '', documents: '', reimbursements: '', consent: '', analytics: '' },
    kafkaBrokers: [],
    population: {
      cpamOffices: [],
      pharmacies: [],
      establishments: [],
      professionals: [],
      patients: 0,
      dependants: 0,
    },
    ...parts,
    totals: computeTotals(parts, 0),
    anomalies: [],
  };
}

describe(expectationsFromLedger.name, () => {
  it('expects one record per INS, with the channel of the opening that created it, uncertain when no attempt was answered', () => {
    const sut = expectationsFromLedger(
      ledgerOf({
        openings: [
          opening('A', 'created', {
            channel: 'pharmacy' as OpeningEntry['channel'],
            pharmacyFiness: '010000024',
          }),
          opening('A', 'conflict', { intent: 'other-channel' }),
          opening('B', 'unknown'),
          opening('C', 'rejected', { intent: 'invalid' }),
        ],
      }),
    );

    expect(sut.openings).toEqual([
      {
        ins: 'A',
        cpamCode: '941',
        channel: 'pharmacy',
        pharmacyFiness: '010000024',
        certain: true,
      },
      { ins: 'B', cpamCode: '941', channel: 'cpam-counter', certain: false },
    ]);
  });

  it('expects a document once per id when accepted or answered duplicate, possibly when unknown, never when rejected', () => {
    const sut = expectationsFromLedger(
      ledgerOf({
        documents: [
          document('d1', 'A', 'accepted'),
          document('d1', 'A', 'duplicate', { intent: 'resend' }),
          document('d2', 'A', 'unknown', { invisibleToPatientUntilExplained: true }),
          document('d3', 'A', 'rejected', { intent: 'invalid' }),
        ],
      }),
    );

    expect(sut.documents).toEqual([
      {
        ins: 'A',
        documentId: 'd1',
        sha256: 'sha-d1',
        certain: true,
        hiddenFromPatient: false,
        sourceCategory: 'establishment',
      },
      {
        ins: 'A',
        documentId: 'd2',
        sha256: 'sha-d2',
        certain: false,
        hiddenFromPatient: true,
        sourceCategory: 'establishment',
      },
    ]);
  });

  it('expects the in-window lines of open records in completed files, uncertain ones for files of unknown outcome, none of refused files', () => {
    const sut = expectationsFromLedger(
      ledgerOf({
        openings: [opening('A', 'created'), opening('B', 'unknown')],
        feedFiles: [
          file('completed', [
            { ins: 'A', lines: 10, inWindow: 8, openRecord: true },
            { ins: 'B', lines: 5, inWindow: 5, openRecord: false },
            { ins: 'Z', lines: 3, inWindow: 3, openRecord: false },
          ]),
          file('unknown', [{ ins: 'A', lines: 4, inWindow: 4, openRecord: true }]),
          file('refused', [{ ins: 'A', lines: 100, inWindow: 100, openRecord: true }]),
        ],
      }),
    );

    expect(sut.reimbursements).toEqual([
      { ins: 'A', lines: 8, uncertainLines: 4 },
      { ins: 'B', lines: 0, uncertainLines: 5 },
    ]);
  });

  it('expects the trace entries of answered reads, a notification per first access, and tolerates unanswered reads', () => {
    const sut = expectationsFromLedger(
      ledgerOf({
        consultations: [
          consultation('A', 'r1', 'granted', {
            firstAccess: true,
            target: 'documents-list',
            traceEntries: 3,
          }),
          consultation('A', 'r1', 'granted'),
          consultation('A', 'r2', 'refused'),
          consultation('A', 'r3', 'unknown'),
        ],
      }),
    );

    expect(sut.accesses).toEqual([
      {
        ins: 'A',
        traceEntries: 5,
        uncertainTraceEntries: 1,
        firstAccessBy: ['r1'],
        uncertainFirstAccessBy: ['r3'],
        firstAccessIfTraced: [],
      },
    ]);
  });

  it('leaves the first access of a professional who only saw an empty list to the trace, since its 200 does not say whether access was granted', () => {
    const sut = expectationsFromLedger(
      ledgerOf({
        consultations: [
          consultation('A', 'r1', 'granted', {
            firstAccess: true,
            target: 'documents-list',
            traceEntries: 1,
          }),
          consultation('A', 'r1', 'refused'),
          consultation('A', 'r2', 'granted', {
            firstAccess: true,
            target: 'documents-list',
            traceEntries: 1,
          }),
          consultation('A', 'r2', 'granted'),
        ],
      }),
    );

    expect(sut.accesses[0]).toMatchObject({ firstAccessBy: ['r2'], firstAccessIfTraced: ['r1'] });
  });
});
