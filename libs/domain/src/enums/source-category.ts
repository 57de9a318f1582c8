import { EstablishmentKind } from './establishment';

/** Who fed a document, as the insurer's figures split it ("documents by source"). */
export enum SourceCategory {
  ESTABLISHMENT_HEALTH = 'establishment-health',
  ESTABLISHMENT_MEDICO_SOCIAL = 'establishment-medico-social',
  LIBERAL_PROFESSIONAL = 'liberal-professional',
  PATIENT = 'patient',
  OTHER = 'other',
}

export function sourceCategoryOfEstablishment(kind: EstablishmentKind): SourceCategory {
  return kind === EstablishmentKind.HEALTH ? SourceCategory.ESTABLISHMENT_HEALTH : SourceCategory.ESTABLISHMENT_MEDICO_SOCIAL;
}
