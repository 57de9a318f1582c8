import { EstablishmentRef } from '@dmp/contracts';
import { ActorRole, SourceCategory, sourceCategoryOfEstablishment } from '@dmp/domain';

/**
 * Who feeds a record, as the pipeline tells them apart. Derived from the submission's `addedBy`
 * (which parked rows already keep), so no new field is stored and rows parked before other
 * sources existed stay establishments.
 */
export type Feeder = 'establishment' | 'liberal-professional' | 'patient-side';

export function feederOf(addedBy: { role: ActorRole }): Feeder {
  switch (addedBy.role) {
    case ActorRole.PROFESSIONAL:
      return 'liberal-professional';
    case ActorRole.PATIENT:
    case ActorRole.LEGAL_REPRESENTATIVE:
      return 'patient-side';
    default:
      return 'establishment';
  }
}

/** The source category the document's events carry: analytics counts "documents by source" with it. */
export function sourceCategoryOf(addedBy: { role: ActorRole }, establishment: EstablishmentRef | undefined): SourceCategory {
  switch (feederOf(addedBy)) {
    case 'liberal-professional':
      return SourceCategory.LIBERAL_PROFESSIONAL;
    case 'patient-side':
      return SourceCategory.PATIENT;
    case 'establishment':
      return establishment ? sourceCategoryOfEstablishment(establishment.kind) : SourceCategory.OTHER;
  }
}
