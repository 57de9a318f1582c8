import { AccessRequest, AccessDecision, DocumentTarget } from './access-request';
import { ConsentState, EmergencyAccessWindow } from './consent-state';
import { CompiledMatrix, defaultCompiledMatrix } from './profession-matrix';
import { AccessReasonCode as C, accessReasons as R } from './reason-codes';

function refuse(request: AccessRequest, matrix: CompiledMatrix, code: C): AccessDecision {
  return { granted: false, code, reasons: [R[code]], rulesVersion: matrix.rulesVersion, mode: request.mode };
}

function grant(request: AccessRequest, matrix: CompiledMatrix, code: C, reasons: string[], expiresAt?: Date): AccessDecision {
  return expiresAt === undefined
    ? { granted: true, code, reasons, rulesVersion: matrix.rulesVersion, mode: request.mode }
    : { granted: true, code, reasons, rulesVersion: matrix.rulesVersion, mode: request.mode, expiresAt };
}

function activeWindow(state: ConsentState, rpps: string, atMs: number): EmergencyAccessWindow | undefined {
  if (!Object.hasOwn(state.emergencyAccesses, rpps)) return undefined;
  const window = state.emergencyAccesses[rpps];
  return Date.parse(window.expiresAt) > atMs ? window : undefined;
}

function hasReason(reason: string | null | undefined): boolean {
  return typeof reason === 'string' && reason.trim().length > 0;
}

function decideForPatientSide(request: AccessRequest, state: ConsentState, matrix: CompiledMatrix): AccessDecision {
  const { requester, target } = request;
  if (request.mode !== 'normal') return refuse(request, matrix, C.MODE_NOT_ALLOWED_FOR_ROLE);
  if (requester.role === 'patient') {
    if (requester.ins !== state.ins) return refuse(request, matrix, C.NOT_THE_PATIENT);
    if (target.kind === 'document' && target.flags.invisibleToPatientUntilExplained) {
      return refuse(request, matrix, C.INVISIBLE_TO_PATIENT_UNTIL_EXPLAINED);
    }
    return grant(request, matrix, C.PATIENT_OWN_RECORD, [R.PATIENT_OWN_RECORD]);
  }
  if (requester.represents === undefined || !requester.represents.includes(state.ins)) {
    return refuse(request, matrix, C.NOT_A_LEGAL_REPRESENTATIVE);
  }
  if (target.kind === 'document') {
    if (target.flags.invisibleToLegalRepresentatives) return refuse(request, matrix, C.INVISIBLE_TO_LEGAL_REPRESENTATIVES);
    // The representative stands in the patient's place: what the patient may not see yet, neither may they.
    if (target.flags.invisibleToPatientUntilExplained) return refuse(request, matrix, C.INVISIBLE_TO_PATIENT_UNTIL_EXPLAINED);
  }
  return grant(request, matrix, C.LEGAL_REPRESENTATIVE, [R.LEGAL_REPRESENTATIVE]);
}

function isAuthor(target: DocumentTarget, rpps: string | null | undefined, finess: string | null | undefined): boolean {
  if (target.authorRpps) return rpps === target.authorRpps;
  // A document authored by an establishment (no personal author) has that establishment as its author.
  return !!target.authorFiness && finess === target.authorFiness;
}

function decideForProfessional(request: AccessRequest, state: ConsentState, matrix: CompiledMatrix): AccessDecision {
  const { requester, target } = request;
  if (state.record.status === 'closed') return refuse(request, matrix, C.RECORD_CLOSED);
  const rpps = requester.rpps;
  const hasRpps = typeof rpps === 'string' && rpps.length > 0;
  if (hasRpps && Object.hasOwn(state.professionals, rpps) && state.professionals[rpps].blocked) {
    return refuse(request, matrix, C.PROFESSIONAL_BLOCKED);
  }
  const profession = requester.profession;
  if (typeof profession !== 'string' || profession.length === 0) return refuse(request, matrix, C.PROFESSION_REQUIRED);
  const rights = matrix.professions.get(profession);
  if (rights === undefined) return refuse(request, matrix, C.PROFESSION_NOT_IN_MATRIX);
  const isTreating = hasRpps && rpps === state.treatingPhysician.rpps;

  // 1. The ground for touching the record at all, which depends on the mode.
  let ground: C;
  let expiresAt: Date | undefined;
  const atMs = request.at.getTime();
  switch (request.mode) {
    case 'normal': {
      if (isTreating) ground = C.TREATING_PHYSICIAN;
      else if (hasRpps && Object.hasOwn(state.professionals, rpps) && state.professionals[rpps].authorised) {
        ground = C.AUTHORISED_PROFESSIONAL;
      } else if (requester.finess && Object.hasOwn(state.establishments, requester.finess) && state.establishments[requester.finess].authorised) {
        ground = C.AUTHORISED_ESTABLISHMENT;
      } else {
        const window = hasRpps ? activeWindow(state, rpps, atMs) : undefined;
        if (window === undefined) return refuse(request, matrix, C.NOT_AUTHORISED);
        ground = C.EMERGENCY_ACCESS_ACTIVE;
        expiresAt = new Date(window.expiresAt);
      }
      break;
    }
    case 'emergency':
    case 'samu-regulation': {
      const isSamu = request.mode === 'samu-regulation';
      if (!hasRpps) return refuse(request, matrix, C.PERSONAL_CARD_REQUIRED);
      if (isSamu ? state.samuAccessRefused.refused : state.emergencyAccessRefused.refused) {
        return refuse(request, matrix, isSamu ? C.SAMU_ACCESS_REFUSED_BY_PATIENT : C.EMERGENCY_ACCESS_REFUSED_BY_PATIENT);
      }
      if (!hasReason(request.reason)) return refuse(request, matrix, C.EMERGENCY_REASON_REQUIRED);
      ground = isSamu ? C.SAMU_REGULATION : C.BREAK_GLASS;
      // Breaking the glass again inside an open window keeps that window: its end does not slide.
      const window = activeWindow(state, rpps, atMs);
      expiresAt = window !== undefined && window.mode === request.mode
        ? new Date(window.expiresAt)
        : new Date(atMs + (isSamu ? matrix.samuAccessMs : matrix.emergencyAccessMs));
      break;
    }
    case 'establishment-without-card': {
      const finess = requester.finess;
      if (!finess) return refuse(request, matrix, C.ESTABLISHMENT_REQUIRED);
      if (!Object.hasOwn(state.establishments, finess) || !state.establishments[finess].authorised) {
        return refuse(request, matrix, C.ESTABLISHMENT_NOT_AUTHORISED);
      }
      ground = C.ESTABLISHMENT_WITHOUT_CARD;
      break;
    }
    default:
      return refuse(request, matrix, C.UNKNOWN_MODE);
  }

  // 2. What this profession may read, then masking.
  if (target.kind === 'reimbursements') {
    if (!rights.reimbursements) return refuse(request, matrix, C.REIMBURSEMENTS_NOT_ALLOWED_FOR_PROFESSION);
    return grant(request, matrix, ground, [R[ground], R.MATRIX_ALLOWS], expiresAt);
  }
  if (target.kind !== 'document') return refuse(request, matrix, C.UNKNOWN_TARGET);
  // The treating physician's "full access" only holds with the card (normal mode): without it the
  // establishment, not the physician, is the one identified.
  const fullAccess = isTreating && request.mode !== 'establishment-without-card';
  if (!fullAccess && !rights.allTypes && !rights.types.has(target.type)) {
    return refuse(request, matrix, C.DOCUMENT_TYPE_NOT_ALLOWED_FOR_PROFESSION);
  }
  const typeReason = fullAccess ? R.TREATING_PHYSICIAN_FULL_ACCESS : R.MATRIX_ALLOWS;
  if (!target.flags.maskedFromProfessionals) return grant(request, matrix, ground, [R[ground], typeReason], expiresAt);
  if (fullAccess) return grant(request, matrix, ground, [R[ground], typeReason, R.MASKED_BUT_TREATING_PHYSICIAN], expiresAt);
  if (isAuthor(target, hasRpps ? rpps : undefined, requester.finess)) {
    return grant(request, matrix, ground, [R[ground], typeReason, R.MASKED_BUT_AUTHOR], expiresAt);
  }
  return refuse(request, matrix, C.MASKED_FROM_PROFESSIONALS);
}

/**
 * Decides whether a requester may read a document or the reimbursement data of a patient, from
 * the patient's consent state (undefined when nothing is known about the patient). Pure and
 * synchronous: same inputs, same decision; it allocates only its result.
 *
 * Precedence: no open record > patient side (patient, legal representative) > closed record >
 * block list > profession known to the matrix > ground for the mode (treating physician,
 * authorisation, establishment, emergency window; break glass/SAMU with the patient's refusals
 * and a reason; establishment without card) > matrix for the target > masking.
 */
export function decideAccess(
  request: AccessRequest,
  state: ConsentState | null | undefined,
  matrix: CompiledMatrix = defaultCompiledMatrix,
): AccessDecision {
  if (state === null || state === undefined || state.record.status === 'unknown') {
    return refuse(request, matrix, C.RECORD_NOT_OPEN);
  }
  switch (request.requester.role) {
    case 'patient':
    case 'legal-representative':
      // A closed record is kept ten years; the patient (or their representative) may still read it.
      return decideForPatientSide(request, state, matrix);
    case 'professional':
    case 'establishment':
    case 'pharmacy':
      return decideForProfessional(request, state, matrix);
    default:
      return refuse(request, matrix, C.ROLE_NOT_ALLOWED);
  }
}
