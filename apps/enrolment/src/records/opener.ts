import { Actor } from '@dmp/auth';
import { ActorRole, OpeningChannel } from '@dmp/domain';

/** Who is opening, seen from the record: the channel and the identifiers billing and analytics need. */
export interface Opener {
  channel: OpeningChannel;
  role: ActorRole;
  /** agentId, FINESS, RPPS or INS: with the channel, what makes a repeated opening "the same one". */
  id: string;
  /** The pharmacy or establishment (pharmacies are paid per FINESS). */
  finess: string | null;
  /** The CPAM counter's office code. */
  cpamCode: string | null;
  /** Where the consent was given when the request does not say. */
  defaultPlace: string;
}

/**
 * The channel is derived from the caller's token, never taken from the body: a pharmacy cannot
 * claim a counter opening (or another pharmacy's payment).
 * Returns null for roles that may not open a record.
 */
export function openerOf(actor: Actor): Opener | null {
  switch (actor.role) {
    case ActorRole.CPAM_AGENT:
      return {
        channel: OpeningChannel.CPAM_COUNTER,
        role: ActorRole.CPAM_AGENT,
        id: actor.agentId,
        finess: null,
        cpamCode: actor.cpamCode,
        defaultPlace: `CPAM ${actor.cpamCode} counter`,
      };
    case ActorRole.PHARMACY:
      return { channel: OpeningChannel.PHARMACY, role: ActorRole.PHARMACY, id: actor.finess, finess: actor.finess, cpamCode: null, defaultPlace: `pharmacy FINESS ${actor.finess}` };
    case ActorRole.PATIENT:
    case ActorRole.LEGAL_REPRESENTATIVE:
      return { channel: OpeningChannel.PATIENT_ONLINE, role: actor.role, id: actor.ins, finess: null, cpamCode: null, defaultPlace: 'online patient space' };
    case ActorRole.PROFESSIONAL:
      return {
        channel: OpeningChannel.PROFESSIONAL,
        role: ActorRole.PROFESSIONAL,
        id: actor.rpps,
        finess: actor.finess ?? null,
        cpamCode: null,
        defaultPlace: `professional RPPS ${actor.rpps}`,
      };
    case ActorRole.ESTABLISHMENT:
      return {
        channel: OpeningChannel.ESTABLISHMENT,
        role: ActorRole.ESTABLISHMENT,
        id: actor.finess,
        finess: actor.finess,
        cpamCode: null,
        defaultPlace: `establishment FINESS ${actor.finess}`,
      };
    default:
      return null;
  }
}
