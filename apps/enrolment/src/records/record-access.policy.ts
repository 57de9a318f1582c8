import { Actor } from '@dmp/auth';
import { ActorRole, ClosureReason } from '@dmp/domain';
import { OpeningData } from './opening-rules';
import { StoredRepresentative } from './record.entity';

/**
 * Record-level rules, on top of the role-level @Roles of each route: a patient (or a legal
 * representative) acts only on their own record and on the records they represent, as stored
 * (a representative removed, or a child come of age, loses the right at once).
 */
export function mayActOnRecord(actor: Actor, record: { ins: string; legalRepresentatives: StoredRepresentative[] }): boolean {
  if (actor.role !== ActorRole.PATIENT && actor.role !== ActorRole.LEGAL_REPRESENTATIVE) return true;
  return record.ins === actor.ins || record.legalRepresentatives.some((r) => r.ins === actor.ins);
}

/**
 * Online, a person opens their own record; a legal representative also opens the records of the
 * dependants their token says they represent (the identity provider vouches for that link, not
 * the request body), and must be named among the record's representatives.
 */
export function mayOpen(actor: Actor, opening: OpeningData): boolean {
  if (actor.role === ActorRole.PATIENT) return opening.ins === actor.ins;
  if (actor.role === ActorRole.LEGAL_REPRESENTATIVE) {
    if (opening.ins === actor.ins) return true;
    return actor.represents.includes(opening.ins) && opening.legalRepresentatives.some((r) => r.ins === actor.ins);
  }
  return true;
}

/**
 * A patient may ask to close their record (or a dependant's); a death or an administrative
 * closure is recorded by the insurer's agents only.
 */
export function mayCloseFor(actor: Actor, reason: ClosureReason): boolean {
  if (actor.role === ActorRole.CPAM_AGENT) return true;
  return (actor.role === ActorRole.PATIENT || actor.role === ActorRole.LEGAL_REPRESENTATIVE) && reason === ClosureReason.PATIENT_REQUEST;
}
