import { Actor } from '@dmp/auth';
import { ActorRole, Ins } from '@dmp/domain';
import { ConsentErrorCode, ConsentException } from './consent.exception';

/** The patient themself, or a legal representative acting for them (the token lists whom they represent). */
export function assertActsForPatient(actor: Actor, ins: string): void {
  if (actor.role === ActorRole.PATIENT && actor.ins === ins) return;
  if (actor.role === ActorRole.LEGAL_REPRESENTATIVE && actor.represents.includes(ins as Ins)) return;
  throw new ConsentException(ConsentErrorCode.NOT_YOUR_RECORD);
}

/** Reading consent, trace and notifications: the patient side, or an operator (support). */
export function assertMayReadPatient(actor: Actor, ins: string): void {
  if (actor.role === ActorRole.OPERATOR) return;
  assertActsForPatient(actor, ins);
}
