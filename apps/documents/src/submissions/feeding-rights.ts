import { ActorRole } from '@dmp/domain';

/** What the documents service knows of a patient that decides who may feed their record. */
export interface FeedingContext {
  /** The consent state's choices by RPPS (only `blocked` matters for feeding). */
  professionals: Record<string, { blocked?: boolean } | undefined>;
  /** The legal representatives enrolment currently lists for the patient (their INS). */
  legalRepresentatives: readonly string[];
}

/**
 * Why `addedBy` may not feed the open record of `ins`, or undefined when they may.
 *
 * Feeding is not reading: the law asks every professional to report the care they give in the
 * DMP, so no authorisation is needed to add a document; a patient who blocked a professional has
 * refused them their record, feeding included. The patient feeds their own record; a legal
 * representative feeds their own and those of the dependants enrolment says they represent now
 * (a token lists whom they represented when it was issued).
 * Record status (open, closed, unknown) is decided before, by the pipeline, for every source.
 */
export function feedingRefusal(addedBy: { role: ActorRole; id: string }, ins: string, context: FeedingContext | undefined): string | undefined {
  switch (addedBy.role) {
    case ActorRole.PROFESSIONAL: {
      const choice = context?.professionals[addedBy.id];
      return choice?.blocked === true ? `ins: the patient has blocked this professional (RPPS ${addedBy.id}) from their DMP` : undefined;
    }
    case ActorRole.PATIENT:
      return addedBy.id === ins ? undefined : `ins: a patient adds documents to their own record only`;
    case ActorRole.LEGAL_REPRESENTATIVE:
      if (addedBy.id === ins) return undefined;
      return context?.legalRepresentatives.includes(addedBy.id) === true ? undefined : `ins: ${addedBy.id} is not (or no longer) a legal representative of this patient`;
    default:
      return undefined;
  }
}
