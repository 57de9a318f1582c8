import { SourceCategory } from './source-category';

/**
 * Document types. Values are LOINC codes where one exists; the others are local codes in
 * kebab-case (no LOINC code fits them as the DMP uses them).
 */
export enum DocumentType {
  /** Lettre de liaison / compte rendu de sortie. */
  DISCHARGE_SUMMARY = '11490-0',
  /** Compte rendu d'hospitalisation (summary of episode). */
  HOSPITAL_REPORT = '34133-9',
  LABORATORY_REPORT = '11502-2',
  IMAGING_REPORT = '18748-4',
  /** Compte rendu opératoire. */
  OPERATIVE_REPORT = '11504-8',
  /** Anaesthesia record following the SFAR structure (LOINC anesthesia evaluation and note). */
  ANAESTHESIA_REPORT = '34749-2',
  TELEMEDICINE_REPORT = 'telemedicine-report',
  CONSULT_NOTE = '11488-4',
  /** Dossier de liaison d'urgence, written by EHPAD for emergency transfers. */
  EMERGENCY_LIAISON_FILE = 'emergency-liaison-file',
  ADVANCE_DIRECTIVES = '42348-3',
  /** A document the patient added themselves. */
  PATIENT_ADDED = 'patient-added',
}

export interface DocumentTypeInfo {
  code: DocumentType;
  codeSystem: 'loinc' | 'local';
  label: string;
  labelFr: string;
  /** The sources that usually produce it (for simulators and sanity checks, not a restriction). */
  typicalSources: readonly SourceCategory[];
  /** True when the patient may add it from their own space. */
  patientMayAdd: boolean;
}

const H = SourceCategory.ESTABLISHMENT_HEALTH;
const MS = SourceCategory.ESTABLISHMENT_MEDICO_SOCIAL;
const LIB = SourceCategory.LIBERAL_PROFESSIONAL;
const PAT = SourceCategory.PATIENT;

export const documentTypes: Readonly<Record<DocumentType, DocumentTypeInfo>> = {
  [DocumentType.DISCHARGE_SUMMARY]: { code: DocumentType.DISCHARGE_SUMMARY, codeSystem: 'loinc', label: 'Discharge summary', labelFr: 'Lettre de liaison de sortie', typicalSources: [H], patientMayAdd: false },
  [DocumentType.HOSPITAL_REPORT]: { code: DocumentType.HOSPITAL_REPORT, codeSystem: 'loinc', label: 'Hospital report (summary of episode)', labelFr: "Compte rendu d'hospitalisation", typicalSources: [H], patientMayAdd: false },
  [DocumentType.LABORATORY_REPORT]: { code: DocumentType.LABORATORY_REPORT, codeSystem: 'loinc', label: 'Laboratory report', labelFr: "Compte rendu d'examens de biologie", typicalSources: [H, LIB], patientMayAdd: true },
  [DocumentType.IMAGING_REPORT]: { code: DocumentType.IMAGING_REPORT, codeSystem: 'loinc', label: 'Imaging report', labelFr: "Compte rendu d'imagerie", typicalSources: [H, LIB], patientMayAdd: true },
  [DocumentType.OPERATIVE_REPORT]: { code: DocumentType.OPERATIVE_REPORT, codeSystem: 'loinc', label: 'Surgical operation note', labelFr: 'Compte rendu opératoire', typicalSources: [H], patientMayAdd: false },
  [DocumentType.ANAESTHESIA_REPORT]: { code: DocumentType.ANAESTHESIA_REPORT, codeSystem: 'loinc', label: 'Anaesthesia report (SFAR)', labelFr: "Compte rendu d'anesthésie", typicalSources: [H], patientMayAdd: false },
  [DocumentType.TELEMEDICINE_REPORT]: { code: DocumentType.TELEMEDICINE_REPORT, codeSystem: 'local', label: 'Telemedicine report', labelFr: 'Compte rendu de télémédecine', typicalSources: [H, MS, LIB], patientMayAdd: false },
  [DocumentType.CONSULT_NOTE]: { code: DocumentType.CONSULT_NOTE, codeSystem: 'loinc', label: 'Consultation note', labelFr: 'Compte rendu de consultation', typicalSources: [H, LIB], patientMayAdd: false },
  [DocumentType.EMERGENCY_LIAISON_FILE]: { code: DocumentType.EMERGENCY_LIAISON_FILE, codeSystem: 'local', label: 'Emergency liaison file (DLU)', labelFr: "Dossier de liaison d'urgence", typicalSources: [MS], patientMayAdd: false },
  [DocumentType.ADVANCE_DIRECTIVES]: { code: DocumentType.ADVANCE_DIRECTIVES, codeSystem: 'loinc', label: 'Advance directives', labelFr: 'Directives anticipées', typicalSources: [PAT, LIB], patientMayAdd: true },
  [DocumentType.PATIENT_ADDED]: { code: DocumentType.PATIENT_ADDED, codeSystem: 'local', label: 'Document added by the patient', labelFr: 'Document déposé par le patient', typicalSources: [PAT], patientMayAdd: true },
};

export enum DocumentFormat {
  PDF = 'pdf',
  CDA_R2 = 'cda-r2',
  TEXT = 'text',
}

export const documentFormatMediaTypes: Readonly<Record<DocumentFormat, string>> = {
  [DocumentFormat.PDF]: 'application/pdf',
  [DocumentFormat.CDA_R2]: 'application/xml',
  [DocumentFormat.TEXT]: 'text/plain',
};
