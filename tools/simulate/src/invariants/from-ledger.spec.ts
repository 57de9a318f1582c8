import { computeTotals } from '../ledger';
import type {
  ConsultationEntry,
  DocumentEntry,
  FeedFileEntry,
  OpeningEntry,
  PreferenceEntry,
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
    Pick<
      SimulationLedger,
      'openings' | 'documents' | 'consultations' | 'feedFiles' | 'preferences' | 'population'
    >
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
        addedByRole: 'establishment',
      },
      {
        ins: 'A',
        documentId: 'd2',
        sha256: 'sha-d2',
        certain: false,
        hiddenFromPatient: true,
        sourceCategory: 'establishment',
        addedByRole: 'establishment',
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

  it('expects a new-document notification for each filed document of a patient who asked, except their own and those hidden from them', () => {
    const preference = (ins: string, outcome: PreferenceEntry['outcome']): PreferenceEntry => ({
      ins,
      by: { role: 'patient', id: ins },
      notifyOnNewDocument: true,
      outcome,
      status: 200,
      attempts: 1,
      at,
    });
    const sut = expectationsFromLedger(
      ledgerOf({
        preferences: [preference('A', 'set'), preference('B', 'unknown')],
        documents: [
          document('d1', 'A', 'accepted'),
          document('d2', 'A', 'unknown'),
          document('d3', 'A', 'accepted', { invisibleToPatientUntilExplained: true }),
          document('d4', 'A', 'accepted', { addedByRole: 'patient' }),
          document('d5', 'A', 'rejected'),
          document('d6', 'B', 'accepted'),
          document('d7', 'C', 'accepted'),
        ],
      }),
    );

    expect(sut.documentAlerts).toEqual([
      { ins: 'A', certain: ['d1'], uncertain: ['d2'] },
      { ins: 'B', certain: [], uncertain: ['d6'] },
    ]);
  });

  it('counts feeding establishments and authors of filed documents, and professionals with a granted read, distinct per breakdown', () => {
    const population: SimulationLedger['population'] = {
      cpamOffices: [],
      pharmacies: [],
      establishments: [
        {
          finess: 'E1',
          kind: 'health',
          category: 'chu',
          name: 'CHU',
          cpamCode: '941',
          way: 'kafka',
        },
        {
          finess: 'E2',
          kind: 'health',
          category: 'chu',
          name: 'CHU 2',
          cpamCode: '941',
          way: 'http',
        },
      ] as SimulationLedger['population']['establishments'],
      professionals: [
        { rpps: 'r1', profession: 'physician', liberal: true, cpamCode: '941' },
        { rpps: 'r2', profession: 'nurse', liberal: true, cpamCode: '941' },
      ] as SimulationLedger['population']['professionals'],
      patients: 0,
      dependants: 0,
    };
    const sut = expectationsFromLedger(
      ledgerOf({
        population,
        documents: [
          document('d1', 'A', 'accepted', { establishmentFiness: 'E1', authorRpps: 'r1' }),
          document('d2', 'A', 'accepted', { establishmentFiness: 'E1', authorRpps: 'r1' }),
          document('d3', 'A', 'unknown', { establishmentFiness: 'E2', authorRpps: 'r2' }),
          document('d4', 'A', 'rejected', { establishmentFiness: 'E2', authorRpps: 'r2' }),
        ],
        consultations: [
          consultation('A', 'r1', 'granted'),
          consultation('A', 'r2', 'granted', { target: 'documents-list', traceEntries: 1 }),
          consultation('A', 'r2', 'refused', { target: 'reimbursements' }),
        ],
      }),
    );

    expect(sut.activity).toEqual({
      feedingEstablishments: [{ key: 'health/chu', certain: ['E1'], uncertain: ['E2'] }],
      feedingProfessionals: [
        { key: 'nurse', certain: [], uncertain: ['r2'] },
        { key: 'physician', certain: ['r1'], uncertain: [] },
      ],
      consultingProfessionals: [{ key: 'physician', certain: ['r1'], uncertain: ['r2'] }],
    });
  });

  it('allows the trace entries of the attempts of a read whose answers were lost before the retry that was answered', () => {
    const sut = expectationsFromLedger(
      ledgerOf({
        documents: [document('d1', 'A', 'accepted'), document('d2', 'A', 'accepted')],
        consultations: [
          consultation('A', 'r1', 'granted', {
            target: 'documents-list',
            traceEntries: 2,
            attempts: 2,
          }),
          consultation('A', 'r1', 'granted', { attempts: 3 }),
        ],
      }),
    );

    expect(sut.accesses[0]).toMatchObject({ traceEntries: 3, uncertainTraceEntries: 4 });
  });
});
