import { DocumentType, Profession, generateFiness, generateIns, generateRpps, seededRandom } from '@dmp/domain';
import { AccessRequest, AccessRequester, AccessTarget, DocumentTarget } from './access-request';
import { ConsentState, emptyConsentState } from './consent-state';
import { decideAccess } from './decide-access';
import { defaultCompiledMatrix, loadMatrix } from './profession-matrix';
import { AccessReasonCode as C, reasonCode } from './reason-codes';
import { ACCESS_RULES_VERSION } from './rules-version';

const random = seededRandom(7);
const ins = generateIns(random);
const otherIns = generateIns(random);
const treating = generateRpps(random);
const authorised = generateRpps(random);
const blocked = generateRpps(random);
const stranger = generateRpps(random);
const author = generateRpps(random);
const authorisedFiness = generateFiness(random);
const otherFiness = generateFiness(random);

const at = new Date('2026-11-23T10:00:00.000Z');
const inOneHour = '2026-11-23T11:00:00.000Z';
const anHourAgo = '2026-11-23T09:00:00.000Z';

function openState(change: (state: ConsentState) => void = () => undefined): ConsentState {
  const state = emptyConsentState(ins);
  const t = '2026-01-01T00:00:00.000Z';
  state.record = { status: 'open', changedAt: t };
  state.treatingPhysician = { rpps: treating, changedAt: t };
  state.professionals = {
    [authorised]: { authorised: true, authorisedChangedAt: t, blocked: false, blockedChangedAt: null },
    [blocked]: { authorised: true, authorisedChangedAt: t, blocked: true, blockedChangedAt: t },
  };
  state.establishments = { [authorisedFiness]: { authorised: true, changedAt: t }, [otherFiness]: { authorised: false, changedAt: t } };
  change(state);
  return state;
}

const noFlags = { maskedFromProfessionals: false, invisibleToPatientUntilExplained: false, invisibleToLegalRepresentatives: false };
function doc(type: string = DocumentType.LABORATORY_REPORT, flags: Partial<typeof noFlags> = {}, authors: Partial<DocumentTarget> = {}): DocumentTarget {
  return { kind: 'document', type, flags: { ...noFlags, ...flags }, authorRpps: author, authorFiness: otherFiness, ...authors };
}
const reimbursements: AccessTarget = { kind: 'reimbursements' };

const patient: AccessRequester = { role: 'patient', ins };
const representative: AccessRequester = { role: 'legal-representative', ins: otherIns, represents: [ins] };
const otherRepresentative: AccessRequester = { role: 'legal-representative', ins: otherIns, represents: [generateIns(random)] };
function pro(rpps: string, profession: string = Profession.PHYSICIAN, finess?: string): AccessRequester {
  return { role: 'professional', rpps, profession, finess };
}

interface Row {
  name: string;
  requester: AccessRequester;
  mode?: AccessRequest['mode'];
  reason?: string;
  target?: AccessTarget;
  state?: ConsentState | undefined;
  granted: boolean;
  code: C;
  expiresAt?: string;
}

const rows: Row[] = [
  // Record lifecycle
  { name: 'refuses everyone when nothing is known of the patient', requester: patient, state: undefined, granted: false, code: C.RECORD_NOT_OPEN },
  { name: 'refuses a professional when the record was never opened', requester: pro(authorised), state: emptyConsentState(ins), granted: false, code: C.RECORD_NOT_OPEN },
  { name: 'refuses even the treating physician once the record is closed', requester: pro(treating), state: openState((s) => (s.record.status = 'closed')), granted: false, code: C.RECORD_CLOSED },
  { name: 'refuses emergency access to a closed record', requester: pro(stranger), mode: 'emergency', reason: 'unconscious', state: openState((s) => (s.record.status = 'closed')), granted: false, code: C.RECORD_CLOSED },
  { name: 'lets the patient read a closed record (kept ten years)', requester: patient, state: openState((s) => (s.record.status = 'closed')), granted: true, code: C.PATIENT_OWN_RECORD },

  // Patient
  { name: 'lets the patient read their own document', requester: patient, granted: true, code: C.PATIENT_OWN_RECORD },
  { name: 'lets the patient read their reimbursements', requester: patient, target: reimbursements, granted: true, code: C.PATIENT_OWN_RECORD },
  { name: 'lets the patient read a document masked from professionals', requester: patient, target: doc(DocumentType.IMAGING_REPORT, { maskedFromProfessionals: true }), granted: true, code: C.PATIENT_OWN_RECORD },
  { name: 'lets the patient read a document invisible to representatives', requester: patient, target: doc(undefined, { invisibleToLegalRepresentatives: true }), granted: true, code: C.PATIENT_OWN_RECORD },
  { name: 'hides from the patient a document not explained yet', requester: patient, target: doc(undefined, { invisibleToPatientUntilExplained: true }), granted: false, code: C.INVISIBLE_TO_PATIENT_UNTIL_EXPLAINED },
  { name: 'refuses another patient', requester: { role: 'patient', ins: otherIns }, granted: false, code: C.NOT_THE_PATIENT },
  { name: 'refuses a patient using the emergency mode', requester: patient, mode: 'emergency', reason: 'x', granted: false, code: C.MODE_NOT_ALLOWED_FOR_ROLE },

  // Legal representative
  { name: 'lets a legal representative read the document of the minor', requester: representative, granted: true, code: C.LEGAL_REPRESENTATIVE },
  { name: 'lets a legal representative read the reimbursements', requester: representative, target: reimbursements, granted: true, code: C.LEGAL_REPRESENTATIVE },
  { name: 'hides from representatives a document flagged invisible to them', requester: representative, target: doc(undefined, { invisibleToLegalRepresentatives: true }), granted: false, code: C.INVISIBLE_TO_LEGAL_REPRESENTATIVES },
  { name: 'hides from representatives a document not explained yet', requester: representative, target: doc(undefined, { invisibleToPatientUntilExplained: true }), granted: false, code: C.INVISIBLE_TO_PATIENT_UNTIL_EXPLAINED },
  { name: 'refuses a representative of someone else', requester: otherRepresentative, granted: false, code: C.NOT_A_LEGAL_REPRESENTATIVE },
  { name: 'refuses a representative using SAMU mode', requester: representative, mode: 'samu-regulation', reason: 'x', granted: false, code: C.MODE_NOT_ALLOWED_FOR_ROLE },

  // Roles that never read records
  { name: 'refuses a CPAM agent', requester: { role: 'cpam-agent' }, granted: false, code: C.ROLE_NOT_ALLOWED },
  { name: 'refuses an operator', requester: { role: 'operator' }, granted: false, code: C.ROLE_NOT_ALLOWED },
  { name: 'refuses the insurer pipeline', requester: { role: 'insurer-pipeline' }, target: reimbursements, granted: false, code: C.ROLE_NOT_ALLOWED },

  // Normal mode: grounds
  { name: 'lets an authorised physician read a lab report', requester: pro(authorised), granted: true, code: C.AUTHORISED_PROFESSIONAL },
  { name: 'refuses a professional the patient never authorised', requester: pro(stranger), granted: false, code: C.NOT_AUTHORISED },
  { name: 'refuses a professional whose authorisation was revoked', requester: pro(authorised), state: openState((s) => (s.professionals[authorised] = { ...s.professionals[authorised], authorised: false, authorisedChangedAt: anHourAgo })), granted: false, code: C.NOT_AUTHORISED },
  { name: 'lets a professional of an authorised establishment read', requester: pro(stranger, Profession.NURSE, authorisedFiness), granted: true, code: C.AUTHORISED_ESTABLISHMENT },
  { name: 'refuses a professional of an establishment whose authorisation was revoked', requester: pro(stranger, Profession.PHYSICIAN, otherFiness), granted: false, code: C.NOT_AUTHORISED },
  { name: 'lets the treating physician read without any authorisation', requester: pro(treating), granted: true, code: C.TREATING_PHYSICIAN },
  { name: 'refuses a former treating physician', requester: pro(treating), state: openState((s) => (s.treatingPhysician = { rpps: null, changedAt: anHourAgo })), granted: false, code: C.NOT_AUTHORISED },

  // Block list
  { name: 'refuses a blocked professional', requester: pro(blocked), granted: false, code: C.PROFESSIONAL_BLOCKED },
  { name: 'refuses a blocked professional even through an authorised establishment', requester: pro(blocked, Profession.PHYSICIAN, authorisedFiness), granted: false, code: C.PROFESSIONAL_BLOCKED },
  { name: 'refuses a blocked professional breaking the glass', requester: pro(blocked), mode: 'emergency', reason: 'cardiac arrest', granted: false, code: C.PROFESSIONAL_BLOCKED },
  { name: 'refuses a blocked professional in SAMU mode', requester: pro(blocked), mode: 'samu-regulation', reason: 'call 15', granted: false, code: C.PROFESSIONAL_BLOCKED },
  { name: 'refuses a blocked treating physician (the block wins)', requester: pro(treating), state: openState((s) => (s.professionals[treating] = { authorised: false, authorisedChangedAt: null, blocked: true, blockedChangedAt: anHourAgo })), granted: false, code: C.PROFESSIONAL_BLOCKED },
  { name: 'refuses a blocked professional reading reimbursements', requester: pro(blocked), target: reimbursements, granted: false, code: C.PROFESSIONAL_BLOCKED },

  // Profession and matrix
  { name: 'refuses a requester without a profession', requester: { role: 'professional', rpps: authorised }, granted: false, code: C.PROFESSION_REQUIRED },
  { name: 'refuses a profession the matrix does not know', requester: pro(authorised, 'veterinarian'), granted: false, code: C.PROFESSION_NOT_IN_MATRIX },
  { name: 'refuses an authorised nurse an operative report', requester: pro(authorised, Profession.NURSE), target: doc(DocumentType.OPERATIVE_REPORT), granted: false, code: C.DOCUMENT_TYPE_NOT_ALLOWED_FOR_PROFESSION },
  { name: 'lets an authorised nurse read a lab report', requester: pro(authorised, Profession.NURSE), granted: true, code: C.AUTHORISED_PROFESSIONAL },
  { name: 'refuses an authorised pharmacist an imaging report', requester: pro(authorised, Profession.PHARMACIST), target: doc(DocumentType.IMAGING_REPORT), granted: false, code: C.DOCUMENT_TYPE_NOT_ALLOWED_FOR_PROFESSION },
  { name: 'lets the treating physician read any type (full access)', requester: pro(treating), target: doc('some-future-type'), granted: true, code: C.TREATING_PHYSICIAN },

  // Reimbursements by profession
  { name: 'lets an authorised pharmacist read reimbursements', requester: pro(authorised, Profession.PHARMACIST), target: reimbursements, granted: true, code: C.AUTHORISED_PROFESSIONAL },
  { name: 'refuses an authorised nurse the reimbursements', requester: pro(authorised, Profession.NURSE), target: reimbursements, granted: false, code: C.REIMBURSEMENTS_NOT_ALLOWED_FOR_PROFESSION },
  { name: 'refuses an authorised physiotherapist the reimbursements', requester: pro(authorised, Profession.PHYSIOTHERAPIST), target: reimbursements, granted: false, code: C.REIMBURSEMENTS_NOT_ALLOWED_FOR_PROFESSION },
  { name: 'lets the treating physician read reimbursements', requester: pro(treating), target: reimbursements, granted: true, code: C.TREATING_PHYSICIAN },
  { name: 'refuses a stranger the reimbursements', requester: pro(stranger, Profession.PHARMACIST), target: reimbursements, granted: false, code: C.NOT_AUTHORISED },

  // Masking
  { name: 'hides a masked document from an authorised physician', requester: pro(authorised), target: doc(undefined, { maskedFromProfessionals: true }), granted: false, code: C.MASKED_FROM_PROFESSIONALS },
  { name: 'shows a masked document to the treating physician', requester: pro(treating), target: doc(undefined, { maskedFromProfessionals: true }), granted: true, code: C.TREATING_PHYSICIAN },
  { name: 'shows a masked document to its authorised author', requester: pro(author), state: openState((s) => (s.professionals[author] = { authorised: true, authorisedChangedAt: anHourAgo, blocked: false, blockedChangedAt: null })), target: doc(undefined, { maskedFromProfessionals: true }), granted: true, code: C.AUTHORISED_PROFESSIONAL },
  { name: 'hides a masked document from its author once no longer authorised', requester: pro(author), target: doc(undefined, { maskedFromProfessionals: true }), granted: false, code: C.NOT_AUTHORISED },
  { name: 'shows an establishment-authored masked document to that establishment', requester: pro(stranger, Profession.NURSE, authorisedFiness), target: doc(undefined, { maskedFromProfessionals: true }, { authorRpps: null, authorFiness: authorisedFiness }), granted: true, code: C.AUTHORISED_ESTABLISHMENT },
  { name: 'hides a masked document in emergency mode', requester: pro(stranger), mode: 'emergency', reason: 'unconscious', target: doc(undefined, { maskedFromProfessionals: true }), granted: false, code: C.MASKED_FROM_PROFESSIONALS },
  { name: 'hides a masked document from the establishment without card', requester: { role: 'establishment', finess: authorisedFiness, profession: Profession.PHYSICIAN }, mode: 'establishment-without-card', target: doc(undefined, { maskedFromProfessionals: true }), granted: false, code: C.MASKED_FROM_PROFESSIONALS },
  { name: 'ignores invisible-to-patient for professionals', requester: pro(authorised), target: doc(undefined, { invisibleToPatientUntilExplained: true, invisibleToLegalRepresentatives: true }), granted: true, code: C.AUTHORISED_PROFESSIONAL },

  // Emergency ("bris de glace")
  { name: 'lets a stranger break the glass with a reason', requester: pro(stranger), mode: 'emergency', reason: 'unconscious after a fall', granted: true, code: C.BREAK_GLASS, expiresAt: '2026-11-23T14:00:00.000Z' },
  { name: 'refuses breaking the glass without a reason', requester: pro(stranger), mode: 'emergency', granted: false, code: C.EMERGENCY_REASON_REQUIRED },
  { name: 'refuses breaking the glass with a blank reason', requester: pro(stranger), mode: 'emergency', reason: '   ', granted: false, code: C.EMERGENCY_REASON_REQUIRED },
  { name: 'refuses breaking the glass when the patient refused emergency access', requester: pro(stranger), mode: 'emergency', reason: 'unconscious', state: openState((s) => (s.emergencyAccessRefused = { refused: true, changedAt: anHourAgo })), granted: false, code: C.EMERGENCY_ACCESS_REFUSED_BY_PATIENT },
  { name: 'lets emergency access through when only SAMU was refused', requester: pro(stranger), mode: 'emergency', reason: 'unconscious', state: openState((s) => (s.samuAccessRefused = { refused: true, changedAt: anHourAgo })), granted: true, code: C.BREAK_GLASS, expiresAt: '2026-11-23T14:00:00.000Z' },
  { name: 'refuses breaking the glass without a personal card', requester: { role: 'establishment', finess: otherFiness, profession: Profession.PHYSICIAN }, mode: 'emergency', reason: 'x', granted: false, code: C.PERSONAL_CARD_REQUIRED },
  { name: 'still applies the matrix in emergency', requester: pro(stranger, Profession.PHYSIOTHERAPIST), mode: 'emergency', reason: 'x', target: doc(DocumentType.LABORATORY_REPORT), granted: false, code: C.DOCUMENT_TYPE_NOT_ALLOWED_FOR_PROFESSION },
  { name: 'grants reimbursements in emergency to a physician', requester: pro(stranger), mode: 'emergency', reason: 'x', target: reimbursements, granted: true, code: C.BREAK_GLASS, expiresAt: '2026-11-23T14:00:00.000Z' },
  { name: 'keeps the end of an open window when the glass is broken again', requester: pro(stranger), mode: 'emergency', reason: 'still unconscious', state: openState((s) => (s.emergencyAccesses[stranger] = { mode: 'emergency', reason: 'x', openedAt: anHourAgo, expiresAt: inOneHour })), granted: true, code: C.BREAK_GLASS, expiresAt: inOneHour },
  { name: 'lets a professional read in normal mode while their emergency window is open', requester: pro(stranger), state: openState((s) => (s.emergencyAccesses[stranger] = { mode: 'emergency', reason: 'x', openedAt: anHourAgo, expiresAt: inOneHour })), granted: true, code: C.EMERGENCY_ACCESS_ACTIVE, expiresAt: inOneHour },
  { name: 'refuses normal mode once the emergency window has expired', requester: pro(stranger), state: openState((s) => (s.emergencyAccesses[stranger] = { mode: 'emergency', reason: 'x', openedAt: '2026-11-23T05:00:00.000Z', expiresAt: anHourAgo })), granted: false, code: C.NOT_AUTHORISED },
  { name: 'opens a fresh window when the previous one expired', requester: pro(stranger), mode: 'emergency', reason: 'again', state: openState((s) => (s.emergencyAccesses[stranger] = { mode: 'emergency', reason: 'x', openedAt: '2026-11-23T05:00:00.000Z', expiresAt: anHourAgo })), granted: true, code: C.BREAK_GLASS, expiresAt: '2026-11-23T14:00:00.000Z' },

  // SAMU regulation
  { name: 'lets a SAMU regulator in with a reason', requester: pro(stranger), mode: 'samu-regulation', reason: 'call 15, chest pain', granted: true, code: C.SAMU_REGULATION, expiresAt: '2026-11-23T11:00:00.000Z' },
  { name: 'refuses SAMU regulation when the patient refused it', requester: pro(stranger), mode: 'samu-regulation', reason: 'call 15', state: openState((s) => (s.samuAccessRefused = { refused: true, changedAt: anHourAgo })), granted: false, code: C.SAMU_ACCESS_REFUSED_BY_PATIENT },
  { name: 'lets SAMU through when only emergency access was refused', requester: pro(stranger), mode: 'samu-regulation', reason: 'call 15', state: openState((s) => (s.emergencyAccessRefused = { refused: true, changedAt: anHourAgo })), granted: true, code: C.SAMU_REGULATION, expiresAt: '2026-11-23T11:00:00.000Z' },
  { name: 'refuses SAMU regulation without a reason', requester: pro(stranger), mode: 'samu-regulation', granted: false, code: C.EMERGENCY_REASON_REQUIRED },
  { name: 'hides a masked document from SAMU', requester: pro(stranger), mode: 'samu-regulation', reason: 'call 15', target: doc(undefined, { maskedFromProfessionals: true }), granted: false, code: C.MASKED_FROM_PROFESSIONALS },

  // Establishment without card
  { name: 'lets an authorised establishment read without a card', requester: { role: 'establishment', finess: authorisedFiness, profession: Profession.NURSE }, mode: 'establishment-without-card', granted: true, code: C.ESTABLISHMENT_WITHOUT_CARD },
  { name: 'refuses an establishment the patient did not authorise', requester: { role: 'establishment', finess: otherFiness, profession: Profession.NURSE }, mode: 'establishment-without-card', granted: false, code: C.ESTABLISHMENT_NOT_AUTHORISED },
  { name: 'refuses access without card when no FINESS is given', requester: pro(stranger, Profession.NURSE), mode: 'establishment-without-card', granted: false, code: C.ESTABLISHMENT_REQUIRED },
  { name: 'applies the matrix to the declared profession without card', requester: { role: 'establishment', finess: authorisedFiness, profession: Profession.NURSE }, mode: 'establishment-without-card', target: reimbursements, granted: false, code: C.REIMBURSEMENTS_NOT_ALLOWED_FOR_PROFESSION },
  { name: 'refuses the declared profession when the establishment gives none', requester: { role: 'establishment', finess: authorisedFiness }, mode: 'establishment-without-card', granted: false, code: C.PROFESSION_REQUIRED },
  { name: 'gives the treating physician without card only the matrix', requester: pro(treating, Profession.PHYSICIAN, authorisedFiness), mode: 'establishment-without-card', target: doc(undefined, { maskedFromProfessionals: true }), granted: false, code: C.MASKED_FROM_PROFESSIONALS },
  { name: 'refuses an unknown mode', requester: pro(authorised), mode: 'telepathy' as AccessRequest['mode'], granted: false, code: C.UNKNOWN_MODE },
];

describe(decideAccess.name, () => {
  it.each(rows)('$name', (row) => {
    const request: AccessRequest = { requester: row.requester, mode: row.mode ?? 'normal', reason: row.reason, at, target: row.target ?? doc() };
    const state = 'state' in row ? row.state : openState();

    const sut = decideAccess(request, state);

    expect({ granted: sut.granted, code: sut.code }).toEqual({ granted: row.granted, code: row.code });
    expect(reasonCode(sut.reasons[0])).toBe(row.code);
    expect(sut.rulesVersion).toBe(`${ACCESS_RULES_VERSION}/default-2026-11`);
    expect(sut.mode).toBe(request.mode);
    expect(sut.expiresAt?.toISOString()).toBe(row.expiresAt);
  });

  it('gives every reason as a code followed by a sentence', () => {
    const sut = decideAccess({ requester: pro(treating), mode: 'normal', at, target: doc(undefined, { maskedFromProfessionals: true }) }, openState());

    expect(sut.reasons.map(reasonCode)).toEqual([C.TREATING_PHYSICIAN, C.TREATING_PHYSICIAN_FULL_ACCESS, C.MASKED_BUT_TREATING_PHYSICIAN]);
    for (const reason of sut.reasons) expect(reason).toMatch(/^[A-Z_]+: [a-z]/);
  });

  it('uses the emergency durations of a replacement matrix and names it in the rules version', () => {
    const matrix = loadMatrix({ ...defaultCompiledMatrix.source, version: 'short-windows', emergencyAccessMinutes: 5, samuAccessMinutes: 1 });

    const emergency = decideAccess({ requester: pro(stranger), mode: 'emergency', reason: 'x', at, target: doc() }, openState(), matrix);
    const samu = decideAccess({ requester: pro(stranger), mode: 'samu-regulation', reason: 'x', at, target: doc() }, openState(), matrix);

    expect(emergency.expiresAt?.toISOString()).toBe('2026-11-23T10:05:00.000Z');
    expect(samu.expiresAt?.toISOString()).toBe('2026-11-23T10:01:00.000Z');
    expect(emergency.rulesVersion).toBe(`${ACCESS_RULES_VERSION}/short-windows`);
  });

  it('follows a replacement matrix that takes reimbursements away from pharmacists', () => {
    const source = defaultCompiledMatrix.source;
    const matrix = loadMatrix({ ...source, professions: { ...source.professions, pharmacist: { documentTypes: ['*'], reimbursements: false } } });
    const request: AccessRequest = { requester: pro(authorised, Profession.PHARMACIST), mode: 'normal', at, target: reimbursements };

    expect(decideAccess(request, openState()).granted).toBe(true);
    expect(decideAccess(request, openState(), matrix).code).toBe(C.REIMBURSEMENTS_NOT_ALLOWED_FOR_PROFESSION);
    expect(decideAccess({ ...request, target: doc(DocumentType.IMAGING_REPORT) }, openState(), matrix).granted).toBe(true);
  });
});

/**
 * The default matrix cell by cell, written out independently of its source: an authorised
 * professional of each profession reading each document type (Y = granted).
 */
const expectedDefaultMatrix: Record<Profession, string> = {
  //                           disch hosp  lab   img   op    anae  tele  cons  dlu   dir   pat
  [Profession.PHYSICIAN]:       'Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y',
  [Profession.MIDWIFE]:         'Y     Y     Y     Y     Y     Y     Y     Y     Y     Y     Y',
  [Profession.DENTIST]:         'Y     Y     Y     Y     Y     Y     Y     Y     N     Y     Y',
  [Profession.PHARMACIST]:      'Y     Y     Y     N     N     N     Y     Y     Y     N     Y',
  [Profession.NURSE]:           'Y     Y     Y     Y     N     N     Y     Y     Y     Y     Y',
  [Profession.PHYSIOTHERAPIST]: 'Y     Y     N     Y     Y     N     N     Y     N     N     Y',
  [Profession.PODIATRIST]:      'Y     N     N     Y     N     N     N     Y     N     N     Y',
};
const typeColumns = [
  DocumentType.DISCHARGE_SUMMARY, DocumentType.HOSPITAL_REPORT, DocumentType.LABORATORY_REPORT, DocumentType.IMAGING_REPORT,
  DocumentType.OPERATIVE_REPORT, DocumentType.ANAESTHESIA_REPORT, DocumentType.TELEMEDICINE_REPORT, DocumentType.CONSULT_NOTE,
  DocumentType.EMERGENCY_LIAISON_FILE, DocumentType.ADVANCE_DIRECTIVES, DocumentType.PATIENT_ADDED,
];
const expectedReimbursements: Record<Profession, boolean> = {
  [Profession.PHYSICIAN]: true, [Profession.MIDWIFE]: true, [Profession.DENTIST]: true, [Profession.PHARMACIST]: true,
  [Profession.NURSE]: false, [Profession.PHYSIOTHERAPIST]: false, [Profession.PODIATRIST]: false,
};
const cells = (Object.entries(expectedDefaultMatrix) as [Profession, string][]).flatMap(([profession, line]) =>
  line.split(/\s+/).map((mark, column) => ({ profession, type: typeColumns[column], granted: mark === 'Y' })),
);

describe('default profession matrix', () => {
  it('covers every profession and every document type of the domain', () => {
    expect(Object.keys(defaultCompiledMatrix.source.professions).sort()).toEqual(Object.values(Profession).sort());
    expect([...typeColumns].sort()).toEqual(Object.values(DocumentType).sort());
  });

  it.each(cells)('$profession reading $type: granted=$granted', ({ profession, type, granted }) => {
    const sut = decideAccess({ requester: pro(authorised, profession), mode: 'normal', at, target: doc(type) }, openState());

    expect(sut.granted).toBe(granted);
    expect(sut.code).toBe(granted ? C.AUTHORISED_PROFESSIONAL : C.DOCUMENT_TYPE_NOT_ALLOWED_FOR_PROFESSION);
  });

  it.each(Object.entries(expectedReimbursements))('%s reading reimbursements: granted=%s', (profession, granted) => {
    const sut = decideAccess({ requester: pro(authorised, profession), mode: 'normal', at, target: reimbursements }, openState());

    expect(sut.granted).toBe(granted);
  });
});
