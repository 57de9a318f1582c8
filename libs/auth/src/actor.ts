import {
  ActorRole,
  CpamCode,
  EstablishmentCategory,
  EstablishmentKind,
  Finess,
  Ins,
  Profession,
  Rpps,
  Validation,
  establishmentKindOf,
  validateCpamCode,
  validateFiness,
  validateIns,
  validateRpps,
} from '@dmp/domain';

/**
 * The roles of the suite. The enum itself lives in @dmp/domain (as ActorRole) so that events can
 * name roles without importing auth; Role is the same enum under the name services use.
 */
export { ActorRole as Role } from '@dmp/domain';

export interface PatientActor {
  role: ActorRole.PATIENT;
  ins: Ins;
}
export interface LegalRepresentativeActor {
  role: ActorRole.LEGAL_REPRESENTATIVE;
  /** The representative's own INS. */
  ins: Ins;
  /** The dependants (minors) they act for. */
  represents: Ins[];
}
export interface ProfessionalActor {
  role: ActorRole.PROFESSIONAL;
  rpps: Rpps;
  profession: Profession;
  /** The establishment they act for, when they do. */
  finess?: Finess;
}
export interface EstablishmentActor {
  role: ActorRole.ESTABLISHMENT;
  finess: Finess;
  kind: EstablishmentKind;
  category: EstablishmentCategory;
}
export interface PharmacyActor {
  role: ActorRole.PHARMACY;
  finess: Finess;
}
export interface CpamAgentActor {
  role: ActorRole.CPAM_AGENT;
  agentId: string;
  cpamCode: CpamCode;
}
export interface InsurerPipelineActor {
  role: ActorRole.INSURER_PIPELINE;
  pipelineId: string;
}
export interface OperatorActor {
  role: ActorRole.OPERATOR;
  operatorId: string;
}

/** Who is calling, as carried by a signed token (discriminated on role). */
export type Actor =
  | PatientActor
  | LegalRepresentativeActor
  | ProfessionalActor
  | EstablishmentActor
  | PharmacyActor
  | CpamAgentActor
  | InsurerPipelineActor
  | OperatorActor;

export type ActorOfRole<R extends ActorRole> = Extract<Actor, { role: R }>;

export interface ActorFieldError {
  field: string;
  reason: string;
}

export type ActorValidation = { ok: true; value: Actor } | { ok: false; reason: string; errors: ActorFieldError[] };

const INTERNAL_ID = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$/;
const MAX_REPRESENTED = 20;

function isEnumValue<E extends Record<string, string>>(enumObject: E, value: unknown): value is E[keyof E] {
  return typeof value === 'string' && (Object.values(enumObject) as string[]).includes(value);
}

/** Identifiers in tokens are canonical: a normalised-but-different spelling is refused. */
function checkIdentifier(errors: ActorFieldError[], field: string, value: unknown, validate: (raw: unknown) => Validation<string>): void {
  if (value === undefined) {
    errors.push({ field, reason: `${field} is required` });
    return;
  }
  const result = validate(value);
  if (!result.ok) errors.push({ field, reason: result.reason });
  else if (result.value !== value) errors.push({ field, reason: `${field} must be written ${result.value}` });
}

function checkInternalId(errors: ActorFieldError[], field: string, value: unknown): void {
  if (typeof value !== 'string' || !INTERNAL_ID.test(value)) {
    errors.push({ field, reason: `${field} must be 1-64 letters, digits or . _ @ : - (starting with a letter or digit)` });
  }
}

/**
 * Checks an untrusted actor (a token's claim, the dev issuer's body): the role is known and the
 * identifiers its role needs are valid (an INS with its key, an RPPS with its Luhn digit...).
 * Returns a clean copy holding only the fields of that role.
 */
export function validateActor(raw: unknown): ActorValidation {
  const errors: ActorFieldError[] = [];
  const fail = (): ActorValidation => ({ ok: false, reason: errors.map((e) => `${e.field}: ${e.reason}`).join('; '), errors });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    errors.push({ field: 'actor', reason: 'actor must be an object with a role' });
    return fail();
  }
  const a = raw as Record<string, unknown>;
  if (!isEnumValue(ActorRole, a.role)) {
    errors.push({ field: 'role', reason: `role must be one of ${Object.values(ActorRole).join(', ')}` });
    return fail();
  }
  switch (a.role) {
    case ActorRole.PATIENT:
      checkIdentifier(errors, 'ins', a.ins, validateIns);
      return errors.length ? fail() : { ok: true, value: { role: a.role, ins: a.ins as Ins } };
    case ActorRole.LEGAL_REPRESENTATIVE: {
      checkIdentifier(errors, 'ins', a.ins, validateIns);
      if (!Array.isArray(a.represents) || a.represents.length === 0 || a.represents.length > MAX_REPRESENTED) {
        errors.push({ field: 'represents', reason: `represents must list the INS of 1 to ${MAX_REPRESENTED} dependants` });
      } else {
        a.represents.forEach((ins, i) => checkIdentifier(errors, `represents.${i}`, ins, validateIns));
      }
      return errors.length ? fail() : { ok: true, value: { role: a.role, ins: a.ins as Ins, represents: [...(a.represents as Ins[])] } };
    }
    case ActorRole.PROFESSIONAL: {
      checkIdentifier(errors, 'rpps', a.rpps, validateRpps);
      if (!isEnumValue(Profession, a.profession)) errors.push({ field: 'profession', reason: `profession must be one of ${Object.values(Profession).join(', ')}` });
      if (a.finess !== undefined) checkIdentifier(errors, 'finess', a.finess, validateFiness);
      if (errors.length) return fail();
      const actor: ProfessionalActor = { role: a.role, rpps: a.rpps as Rpps, profession: a.profession as Profession };
      if (a.finess !== undefined) actor.finess = a.finess as Finess;
      return { ok: true, value: actor };
    }
    case ActorRole.ESTABLISHMENT: {
      checkIdentifier(errors, 'finess', a.finess, validateFiness);
      if (!isEnumValue(EstablishmentKind, a.kind)) errors.push({ field: 'kind', reason: `kind must be one of ${Object.values(EstablishmentKind).join(', ')}` });
      if (!isEnumValue(EstablishmentCategory, a.category)) {
        errors.push({ field: 'category', reason: `category must be one of ${Object.values(EstablishmentCategory).join(', ')}` });
      } else if (isEnumValue(EstablishmentKind, a.kind) && establishmentKindOf[a.category] !== a.kind) {
        errors.push({ field: 'category', reason: `category ${a.category} is a ${establishmentKindOf[a.category]} establishment, not ${a.kind}` });
      }
      if (errors.length) return fail();
      return { ok: true, value: { role: a.role, finess: a.finess as Finess, kind: a.kind as EstablishmentKind, category: a.category as EstablishmentCategory } };
    }
    case ActorRole.PHARMACY:
      checkIdentifier(errors, 'finess', a.finess, validateFiness);
      return errors.length ? fail() : { ok: true, value: { role: a.role, finess: a.finess as Finess } };
    case ActorRole.CPAM_AGENT:
      checkInternalId(errors, 'agentId', a.agentId);
      checkIdentifier(errors, 'cpamCode', a.cpamCode, validateCpamCode);
      return errors.length ? fail() : { ok: true, value: { role: a.role, agentId: a.agentId as string, cpamCode: a.cpamCode as CpamCode } };
    case ActorRole.INSURER_PIPELINE:
      checkInternalId(errors, 'pipelineId', a.pipelineId);
      return errors.length ? fail() : { ok: true, value: { role: a.role, pipelineId: a.pipelineId as string } };
    case ActorRole.OPERATOR:
      checkInternalId(errors, 'operatorId', a.operatorId);
      return errors.length ? fail() : { ok: true, value: { role: a.role, operatorId: a.operatorId as string } };
  }
}

/** The identifier an actor is known by (the `sub` of its token, ActorRef.id in events). */
export function actorId(actor: Actor): string {
  switch (actor.role) {
    case ActorRole.PATIENT:
    case ActorRole.LEGAL_REPRESENTATIVE:
      return actor.ins;
    case ActorRole.PROFESSIONAL:
      return actor.rpps;
    case ActorRole.ESTABLISHMENT:
    case ActorRole.PHARMACY:
      return actor.finess;
    case ActorRole.CPAM_AGENT:
      return actor.agentId;
    case ActorRole.INSURER_PIPELINE:
      return actor.pipelineId;
    case ActorRole.OPERATOR:
      return actor.operatorId;
  }
}

/** { role, id } as events carry it (the ActorRef of @dmp/contracts). */
export function actorRef(actor: Actor): { role: ActorRole; id: string } {
  return { role: actor.role, id: actorId(actor) };
}

/** True for the patient themselves and their legal representatives (the "patient side"). */
export function isPatientSide(actor: Actor): actor is PatientActor | LegalRepresentativeActor {
  return actor.role === ActorRole.PATIENT || actor.role === ActorRole.LEGAL_REPRESENTATIVE;
}

/**
 * Whether a patient-side actor may act on the record of `ins`: a patient on their own record, a
 * legal representative on their own and on the dependants their token lists. Other roles get
 * false: what they may do is decided by @Roles and by each service's rules, not by identity.
 * Services holding the current list of representatives should also check it (a token lives
 * until it expires, a representative may be removed before that).
 */
export function actorMayActForPatient(actor: Actor, ins: string): boolean {
  if (actor.role === ActorRole.PATIENT) return actor.ins === ins;
  if (actor.role === ActorRole.LEGAL_REPRESENTATIVE) return actor.ins === ins || actor.represents.includes(ins as Ins);
  return false;
}
