/** Health (sanitaire) or medico-social establishment: analytics counts them apart (seed 000). */
export enum EstablishmentKind {
  HEALTH = 'health',
  MEDICO_SOCIAL = 'medico-social',
}

export enum EstablishmentCategory {
  CHU = 'chu',
  HOSPITAL = 'hospital',
  CLINIC = 'clinic',
  EHPAD = 'ehpad',
  OTHER_MEDICO_SOCIAL = 'other-medico-social',
}

/** The kind each category belongs to; an establishment's (kind, category) pair must agree with it. */
export const establishmentKindOf: Readonly<Record<EstablishmentCategory, EstablishmentKind>> = {
  [EstablishmentCategory.CHU]: EstablishmentKind.HEALTH,
  [EstablishmentCategory.HOSPITAL]: EstablishmentKind.HEALTH,
  [EstablishmentCategory.CLINIC]: EstablishmentKind.HEALTH,
  [EstablishmentCategory.EHPAD]: EstablishmentKind.MEDICO_SOCIAL,
  [EstablishmentCategory.OTHER_MEDICO_SOCIAL]: EstablishmentKind.MEDICO_SOCIAL,
};
