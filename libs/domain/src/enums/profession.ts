/** Health professions registered in the RPPS; what a professional may see depends on it. */
export enum Profession {
  PHYSICIAN = 'physician',
  PHARMACIST = 'pharmacist',
  DENTIST = 'dentist',
  MIDWIFE = 'midwife',
  NURSE = 'nurse',
  PHYSIOTHERAPIST = 'physiotherapist',
  PODIATRIST = 'podiatrist',
}

export interface ProfessionInfo {
  label: string;
  labelFr: string;
  /** Profession code of the RPPS nomenclature (TRE_G15). */
  rppsCode: string;
}

export const professions: Readonly<Record<Profession, ProfessionInfo>> = {
  [Profession.PHYSICIAN]: { label: 'Physician', labelFr: 'Médecin', rppsCode: '10' },
  [Profession.PHARMACIST]: { label: 'Pharmacist', labelFr: 'Pharmacien', rppsCode: '21' },
  [Profession.DENTIST]: { label: 'Dentist', labelFr: 'Chirurgien-dentiste', rppsCode: '40' },
  [Profession.MIDWIFE]: { label: 'Midwife', labelFr: 'Sage-femme', rppsCode: '50' },
  [Profession.NURSE]: { label: 'Nurse', labelFr: 'Infirmier', rppsCode: '60' },
  [Profession.PHYSIOTHERAPIST]: { label: 'Physiotherapist', labelFr: 'Masseur-kinésithérapeute', rppsCode: '70' },
  [Profession.PODIATRIST]: { label: 'Podiatrist', labelFr: 'Pédicure-podologue', rppsCode: '80' },
};
