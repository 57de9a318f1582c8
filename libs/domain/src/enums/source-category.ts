import { EstablishmentKind } from './establishment';

/** Who fed a document, as the insurer's figures split it ("documents by source"). */
export enum SourceCategory {
  ESTABLISHMENT_HEALTH = 'establishment-health',
  ESTABLISHMENT_MEDICO_SOCIAL = 'establishment-medico-social',
  LIBERAL_PROFESSIONAL = 'liberal-professional',
  PATIENT = 'patient',
  OTHER = 'other',
}

const ofKind: Readonly<Record<EstablishmentKind, SourceCategory>> = {
  [EstablishmentKind.HEALTH]: SourceCategory.ESTABLISHMENT_HEALTH,
  [EstablishmentKind.MEDICO_SOCIAL]: SourceCategory.ESTABLISHMENT_MEDICO_SOCIAL,
  // Health centres, laboratories: the "others" of the insurer's documents by source.
  [EstablishmentKind.OTHER]: SourceCategory.OTHER,
};

export function sourceCategoryOfEstablishment(kind: EstablishmentKind): SourceCategory {
  return ofKind[kind];
}
