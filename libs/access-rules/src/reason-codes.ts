/**
 * Why a decision came out as it did. Each reason in a decision is `CODE: sentence`; the codes are
 * stable (callers and the trace may filter on them), the sentences are for people.
 */
export enum AccessReasonCode {
  // Refusals
  RECORD_NOT_OPEN = 'RECORD_NOT_OPEN',
  RECORD_CLOSED = 'RECORD_CLOSED',
  ROLE_NOT_ALLOWED = 'ROLE_NOT_ALLOWED',
  MODE_NOT_ALLOWED_FOR_ROLE = 'MODE_NOT_ALLOWED_FOR_ROLE',
  NOT_THE_PATIENT = 'NOT_THE_PATIENT',
  NOT_A_LEGAL_REPRESENTATIVE = 'NOT_A_LEGAL_REPRESENTATIVE',
  INVISIBLE_TO_PATIENT_UNTIL_EXPLAINED = 'INVISIBLE_TO_PATIENT_UNTIL_EXPLAINED',
  INVISIBLE_TO_LEGAL_REPRESENTATIVES = 'INVISIBLE_TO_LEGAL_REPRESENTATIVES',
  PROFESSIONAL_BLOCKED = 'PROFESSIONAL_BLOCKED',
  PROFESSION_REQUIRED = 'PROFESSION_REQUIRED',
  PROFESSION_NOT_IN_MATRIX = 'PROFESSION_NOT_IN_MATRIX',
  PERSONAL_CARD_REQUIRED = 'PERSONAL_CARD_REQUIRED',
  NOT_AUTHORISED = 'NOT_AUTHORISED',
  EMERGENCY_ACCESS_REFUSED_BY_PATIENT = 'EMERGENCY_ACCESS_REFUSED_BY_PATIENT',
  SAMU_ACCESS_REFUSED_BY_PATIENT = 'SAMU_ACCESS_REFUSED_BY_PATIENT',
  EMERGENCY_REASON_REQUIRED = 'EMERGENCY_REASON_REQUIRED',
  ESTABLISHMENT_REQUIRED = 'ESTABLISHMENT_REQUIRED',
  ESTABLISHMENT_NOT_AUTHORISED = 'ESTABLISHMENT_NOT_AUTHORISED',
  DOCUMENT_TYPE_NOT_ALLOWED_FOR_PROFESSION = 'DOCUMENT_TYPE_NOT_ALLOWED_FOR_PROFESSION',
  REIMBURSEMENTS_NOT_ALLOWED_FOR_PROFESSION = 'REIMBURSEMENTS_NOT_ALLOWED_FOR_PROFESSION',
  MASKED_FROM_PROFESSIONALS = 'MASKED_FROM_PROFESSIONALS',
  UNKNOWN_MODE = 'UNKNOWN_MODE',
  UNKNOWN_TARGET = 'UNKNOWN_TARGET',
  // Grounds for a grant
  PATIENT_OWN_RECORD = 'PATIENT_OWN_RECORD',
  LEGAL_REPRESENTATIVE = 'LEGAL_REPRESENTATIVE',
  TREATING_PHYSICIAN = 'TREATING_PHYSICIAN',
  AUTHORISED_PROFESSIONAL = 'AUTHORISED_PROFESSIONAL',
  AUTHORISED_ESTABLISHMENT = 'AUTHORISED_ESTABLISHMENT',
  EMERGENCY_ACCESS_ACTIVE = 'EMERGENCY_ACCESS_ACTIVE',
  BREAK_GLASS = 'BREAK_GLASS',
  SAMU_REGULATION = 'SAMU_REGULATION',
  ESTABLISHMENT_WITHOUT_CARD = 'ESTABLISHMENT_WITHOUT_CARD',
  MATRIX_ALLOWS = 'MATRIX_ALLOWS',
  TREATING_PHYSICIAN_FULL_ACCESS = 'TREATING_PHYSICIAN_FULL_ACCESS',
  MASKED_BUT_AUTHOR = 'MASKED_BUT_AUTHOR',
  MASKED_BUT_TREATING_PHYSICIAN = 'MASKED_BUT_TREATING_PHYSICIAN',
}

const sentences: Readonly<Record<AccessReasonCode, string>> = {
  RECORD_NOT_OPEN: 'the patient has no open record',
  RECORD_CLOSED: 'the record is closed; professionals no longer have access',
  ROLE_NOT_ALLOWED: 'this role never reads a patient record',
  MODE_NOT_ALLOWED_FOR_ROLE: 'only professionals and establishments use an access mode other than normal',
  NOT_THE_PATIENT: 'the requester is not the patient of this record',
  NOT_A_LEGAL_REPRESENTATIVE: 'the requester does not represent this patient',
  INVISIBLE_TO_PATIENT_UNTIL_EXPLAINED: 'the document stays invisible to the patient until a professional has explained it',
  INVISIBLE_TO_LEGAL_REPRESENTATIVES: 'the document is invisible to legal representatives',
  PROFESSIONAL_BLOCKED: 'the patient has blocked this professional',
  PROFESSION_REQUIRED: 'the requester declares no profession, so the matrix cannot apply',
  PROFESSION_NOT_IN_MATRIX: 'the matrix grants this profession nothing',
  PERSONAL_CARD_REQUIRED: 'this mode needs a professional identified by a personal card (RPPS)',
  NOT_AUTHORISED: 'the professional is neither authorised, nor the treating physician, nor acting for an authorised establishment',
  EMERGENCY_ACCESS_REFUSED_BY_PATIENT: 'the patient has refused emergency access',
  SAMU_ACCESS_REFUSED_BY_PATIENT: 'the patient has refused access by SAMU regulation',
  EMERGENCY_REASON_REQUIRED: 'an emergency or SAMU access must state its reason',
  ESTABLISHMENT_REQUIRED: 'access without a card needs the FINESS of the establishment',
  ESTABLISHMENT_NOT_AUTHORISED: 'the patient has not authorised this establishment',
  DOCUMENT_TYPE_NOT_ALLOWED_FOR_PROFESSION: 'the matrix does not let this profession read this document type',
  REIMBURSEMENTS_NOT_ALLOWED_FOR_PROFESSION: 'the matrix does not let this profession read reimbursement data',
  MASKED_FROM_PROFESSIONALS: 'the patient masked this document; only its author and the treating physician see it',
  UNKNOWN_MODE: 'the access mode is not one the rules know',
  UNKNOWN_TARGET: 'the target is neither a document nor reimbursement data',
  PATIENT_OWN_RECORD: 'the patient reads their own record',
  LEGAL_REPRESENTATIVE: 'the requester is a legal representative of the patient',
  TREATING_PHYSICIAN: 'the requester is the patient\'s designated treating physician',
  AUTHORISED_PROFESSIONAL: 'the patient has authorised this professional',
  AUTHORISED_ESTABLISHMENT: 'the patient has authorised the establishment the professional acts for',
  EMERGENCY_ACCESS_ACTIVE: 'an emergency access opened by this professional has not expired yet',
  BREAK_GLASS: 'emergency access ("bris de glace") with a stated reason; it expires on its own',
  SAMU_REGULATION: 'access by SAMU regulation with a stated reason; it expires on its own',
  ESTABLISHMENT_WITHOUT_CARD: 'the patient has authorised the establishment reading without a personal card',
  MATRIX_ALLOWS: 'the matrix lets this profession read this data',
  TREATING_PHYSICIAN_FULL_ACCESS: 'the treating physician has full access, whatever the document type',
  MASKED_BUT_AUTHOR: 'the document is masked but the requester is its author',
  MASKED_BUT_TREATING_PHYSICIAN: 'the document is masked but the requester is the treating physician',
};

/**
 * The reason strings, built once: a decision only references them, so deciding allocates
 * nothing but its result.
 */
export const accessReasons: Readonly<Record<AccessReasonCode, string>> = Object.freeze(
  Object.fromEntries(
    (Object.keys(sentences) as AccessReasonCode[]).map((code) => [code, `${code}: ${sentences[code]}`]),
  ) as Record<AccessReasonCode, string>,
);

/** The code of a reason string (`CODE: sentence`). */
export function reasonCode(reason: string): string {
  const colon = reason.indexOf(':');
  return colon < 0 ? reason : reason.slice(0, colon);
}
