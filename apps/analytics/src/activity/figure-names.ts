/** The distinct-member figures, as stored in member_months.figure (persisted values). */
export enum DistinctFigure {
  FEEDING_ESTABLISHMENTS = 'feeding-establishments',
  FEEDING_PROFESSIONALS = 'feeding-professionals',
  CONSULTING_PROFESSIONALS = 'consulting-professionals',
  ADDING_PATIENTS = 'adding-patients',
}

/** member_months.cpam_code of the figures that have no CPAM (establishments, professionals). */
export const NO_CPAM = '-';
/** cpam_code of a patient's fact while their record's opening has not been seen. */
export const UNRESOLVED_CPAM = '';
