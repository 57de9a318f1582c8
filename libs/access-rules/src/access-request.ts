import { AccessMode, ActorRole } from '@dmp/domain';
import { AccessReasonCode } from './reason-codes';

/**
 * Who asks. The actors of @dmp/auth fit this shape as they are (a professional actor has rpps,
 * profession and finess; a patient has ins; a legal representative has ins and represents).
 * Role and mode are typed by their string values so any enum with those values fits.
 */
export interface AccessRequester {
  role: `${ActorRole}`;
  /** Patient or legal representative: their own INS. */
  ins?: string;
  /** Legal representative: the INS of the people they represent. */
  represents?: readonly string[];
  rpps?: string | null;
  /** A Profession value (any key of the matrix). */
  profession?: string | null;
  /** The establishment the requester acts for. */
  finess?: string | null;
}

export interface DocumentVisibilityFlags {
  /** Set by the patient: only the author and the treating physician still see it. */
  maskedFromProfessionals: boolean;
  /** Set by a professional: the patient sees it once it has been explained in person. */
  invisibleToPatientUntilExplained: boolean;
  invisibleToLegalRepresentatives: boolean;
}

export interface DocumentTarget {
  kind: 'document';
  /** A DocumentType value. */
  type: string;
  authorRpps?: string | null;
  authorFiness?: string | null;
  flags: DocumentVisibilityFlags;
}

export interface ReimbursementsTarget {
  kind: 'reimbursements';
}

export type AccessTarget = DocumentTarget | ReimbursementsTarget;

export interface AccessRequest {
  requester: AccessRequester;
  mode: `${AccessMode}`;
  /** Required in emergency and SAMU-regulation modes: why the glass is broken. */
  reason?: string | null;
  /** When the access happens (emergency windows are compared with it). */
  at: Date;
  target: AccessTarget;
}

export interface AccessDecision {
  granted: boolean;
  /** The code that settled the decision: the refusal, or the ground of the grant. */
  code: AccessReasonCode;
  /** `CODE: sentence` for every rule that weighed in, the settling one first. */
  reasons: string[];
  /** `<library version>/<matrix version>`: the rules this decision was made under. */
  rulesVersion: string;
  mode: `${AccessMode}`;
  /** Emergency and SAMU grants: when the access window closes. */
  expiresAt?: Date;
}
