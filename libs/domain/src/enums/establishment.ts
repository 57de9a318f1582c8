/**
 * Health (sanitaire) or medico-social establishment: analytics counts them apart (seed 000).
 * Other structures that feed DMPs under a FINESS without being either (health centres, medical
 * laboratories) are `other`: their documents count as the "others" source of the insurer's figures.
 */
export enum EstablishmentKind {
  HEALTH = 'health',
  MEDICO_SOCIAL = 'medico-social',
  OTHER = 'other',
}

export enum EstablishmentCategory {
  CHU = 'chu',
  HOSPITAL = 'hospital',
  CLINIC = 'clinic',
  EHPAD = 'ehpad',
  OTHER_MEDICO_SOCIAL = 'other-medico-social',
  /** Centre de santé: salaried professionals outside any hospital. */
  HEALTH_CENTRE = 'health-centre',
  /** Laboratoire de biologie médicale. */
  LABORATORY = 'laboratory',
}

/** The kind each category belongs to; an establishment's (kind, category) pair must agree with it. */
export const establishmentKindOf: Readonly<Record<EstablishmentCategory, EstablishmentKind>> = {
  [EstablishmentCategory.CHU]: EstablishmentKind.HEALTH,
  [EstablishmentCategory.HOSPITAL]: EstablishmentKind.HEALTH,
  [EstablishmentCategory.CLINIC]: EstablishmentKind.HEALTH,
  [EstablishmentCategory.EHPAD]: EstablishmentKind.MEDICO_SOCIAL,
  [EstablishmentCategory.OTHER_MEDICO_SOCIAL]: EstablishmentKind.MEDICO_SOCIAL,
  [EstablishmentCategory.HEALTH_CENTRE]: EstablishmentKind.OTHER,
  [EstablishmentCategory.LABORATORY]: EstablishmentKind.OTHER,
};
