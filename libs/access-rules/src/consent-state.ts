/**
 * The part of a patient's consent that access decisions need, kept by every service that decides
 * (documents, reimbursements) from the events of consent and enrolment. Plain JSON on purpose:
 * a service stores it as it is (a jsonb column) and reads it back without conversion.
 *
 * Events on different topics can arrive out of order, so every choice carries the instant of the
 * event that set it and an older event never overwrites a newer choice (last writer wins by
 * `occurredAt`). Applying the same event twice changes nothing.
 */
export interface ConsentState {
  ins: string;
  record: { status: 'unknown' | 'open' | 'closed'; changedAt: string | null };
  /** Médecin traitant: full access, sees masked documents. */
  treatingPhysician: { rpps: string | null; changedAt: string | null };
  /** Keyed by RPPS: the patient's latest choice about that professional. */
  professionals: Record<string, ProfessionalChoice>;
  /** Keyed by FINESS. */
  establishments: Record<string, EstablishmentChoice>;
  emergencyAccessRefused: { refused: boolean; changedAt: string | null };
  samuAccessRefused: { refused: boolean; changedAt: string | null };
  /** Keyed by RPPS: emergency or SAMU accesses opened and not yet pruned (check expiresAt). */
  emergencyAccesses: Record<string, EmergencyAccessWindow>;
}

/**
 * Authorisation and block are two separate choices, each last-writer-wins on its own, so that
 * replays in any order converge. A block wins over an authorisation when deciding.
 */
export interface ProfessionalChoice {
  authorised: boolean;
  authorisedChangedAt: string | null;
  blocked: boolean;
  blockedChangedAt: string | null;
}

export interface EstablishmentChoice {
  authorised: boolean;
  changedAt: string;
}

export interface EmergencyAccessWindow {
  mode: 'emergency' | 'samu-regulation';
  reason: string;
  openedAt: string;
  expiresAt: string;
}

/** The state of a patient nothing is known about yet (every access refused: no open record). */
export function emptyConsentState(ins: string): ConsentState {
  return {
    ins,
    record: { status: 'unknown', changedAt: null },
    treatingPhysician: { rpps: null, changedAt: null },
    professionals: {},
    establishments: {},
    emergencyAccessRefused: { refused: false, changedAt: null },
    samuAccessRefused: { refused: false, changedAt: null },
    emergencyAccesses: {},
  };
}
