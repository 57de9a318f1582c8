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

/** How the actor is named in events (`by`). */
export function actorRef(actor: Actor): { role: Actor['role']; id: string } {
  switch (actor.role) {
    case ActorRole.PATIENT:
    case ActorRole.LEGAL_REPRESENTATIVE:
      return { role: actor.role, id: actor.ins };
    case ActorRole.PROFESSIONAL:
      return { role: actor.role, id: actor.rpps };
    case ActorRole.ESTABLISHMENT:
    case ActorRole.PHARMACY:
      return { role: actor.role, id: actor.finess };
    case ActorRole.CPAM_AGENT:
      return { role: actor.role, id: actor.agentId };
    case ActorRole.INSURER_PIPELINE:
      return { role: actor.role, id: actor.pipelineId };
    case ActorRole.OPERATOR:
      return { role: actor.role, id: actor.operatorId };
  }
}
