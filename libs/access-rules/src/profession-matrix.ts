import { DocumentType, Profession } from '@dmp/domain';
import { ACCESS_RULES_VERSION } from './rules-version';

/** Stands for every document type in a profession's list. */
export const ALL_DOCUMENT_TYPES = '*';

/** What one profession may read once it has access to a record. */
export interface ProfessionRights {
  /** Document type codes (DocumentType values), or ['*'] for all of them. */
  documentTypes: string[];
  /** Whether the insurer's reimbursement history is visible to this profession. */
  reimbursements: boolean;
}

/**
 * The profession x document-type matrix and the emergency durations: data, not code, so that an
 * operator can replace it (`loadMatrix`) without a release. This is the JSON shape.
 */
export interface ProfessionMatrix {
  /** Names this matrix in every decision (`rulesVersion` = `<library version>/<matrix version>`). */
  version: string;
  /** How long a break-glass access stays open. */
  emergencyAccessMinutes: number;
  /** How long an access by SAMU regulation stays open. */
  samuAccessMinutes: number;
  /** Keyed by Profession value; a profession absent here reads nothing. */
  professions: Record<string, ProfessionRights>;
}

interface CompiledRights {
  readonly allTypes: boolean;
  readonly types: ReadonlySet<string>;
  readonly reimbursements: boolean;
}

/** A validated matrix with its lookups precomputed; pass it to decideAccess. */
export interface CompiledMatrix {
  readonly source: Readonly<ProfessionMatrix>;
  readonly rulesVersion: string;
  readonly emergencyAccessMs: number;
  readonly samuAccessMs: number;
  readonly professions: ReadonlyMap<string, CompiledRights>;
}

export class InvalidMatrixError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid access matrix: ${problems.join('; ')}`);
    this.name = InvalidMatrixError.name;
  }
}

const D = DocumentType;

/**
 * The shipped matrix, after the DMP's "matrice d'habilitations" simplified: physicians and
 * midwives read everything; the other professions read what their practice needs; the
 * reimbursement history goes to the professions that prescribe or dispense.
 */
export const defaultProfessionMatrix: Readonly<ProfessionMatrix> = Object.freeze({
  version: 'default-2026-11',
  emergencyAccessMinutes: 240,
  samuAccessMinutes: 60,
  professions: {
    [Profession.PHYSICIAN]: { documentTypes: [ALL_DOCUMENT_TYPES], reimbursements: true },
    [Profession.MIDWIFE]: { documentTypes: [ALL_DOCUMENT_TYPES], reimbursements: true },
    [Profession.DENTIST]: {
      documentTypes: [D.DISCHARGE_SUMMARY, D.HOSPITAL_REPORT, D.LABORATORY_REPORT, D.IMAGING_REPORT, D.OPERATIVE_REPORT, D.ANAESTHESIA_REPORT, D.TELEMEDICINE_REPORT, D.CONSULT_NOTE, D.ADVANCE_DIRECTIVES, D.PATIENT_ADDED],
      reimbursements: true,
    },
    [Profession.PHARMACIST]: {
      documentTypes: [D.DISCHARGE_SUMMARY, D.HOSPITAL_REPORT, D.LABORATORY_REPORT, D.TELEMEDICINE_REPORT, D.CONSULT_NOTE, D.EMERGENCY_LIAISON_FILE, D.PATIENT_ADDED],
      reimbursements: true,
    },
    [Profession.NURSE]: {
      documentTypes: [D.DISCHARGE_SUMMARY, D.HOSPITAL_REPORT, D.LABORATORY_REPORT, D.IMAGING_REPORT, D.TELEMEDICINE_REPORT, D.CONSULT_NOTE, D.EMERGENCY_LIAISON_FILE, D.ADVANCE_DIRECTIVES, D.PATIENT_ADDED],
      reimbursements: false,
    },
    [Profession.PHYSIOTHERAPIST]: {
      documentTypes: [D.DISCHARGE_SUMMARY, D.HOSPITAL_REPORT, D.IMAGING_REPORT, D.OPERATIVE_REPORT, D.CONSULT_NOTE, D.PATIENT_ADDED],
      reimbursements: false,
    },
    [Profession.PODIATRIST]: {
      documentTypes: [D.DISCHARGE_SUMMARY, D.IMAGING_REPORT, D.CONSULT_NOTE, D.PATIENT_ADDED],
      reimbursements: false,
    },
  },
});

const MAX_ACCESS_MINUTES = 7 * 24 * 60;
const knownTopKeys = new Set(['version', 'emergencyAccessMinutes', 'samuAccessMinutes', 'professions']);
const knownRightsKeys = new Set(['documentTypes', 'reimbursements']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every problem of a candidate matrix, each naming its field; empty when it is valid. */
export function checkMatrix(candidate: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(candidate)) return ['the matrix must be a JSON object'];
  for (const key of Object.keys(candidate)) {
    if (!knownTopKeys.has(key)) problems.push(`${key}: unknown field`);
  }
  if (typeof candidate.version !== 'string' || candidate.version.trim() === '') {
    problems.push('version: must be a non-empty string');
  }
  for (const field of ['emergencyAccessMinutes', 'samuAccessMinutes'] as const) {
    const minutes = candidate[field];
    if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0 || minutes > MAX_ACCESS_MINUTES) {
      problems.push(`${field}: must be a number of minutes above 0 and at most ${MAX_ACCESS_MINUTES}`);
    }
  }
  const professions = candidate.professions;
  if (!isRecord(professions)) {
    problems.push('professions: must be an object keyed by profession');
    return problems;
  }
  for (const [profession, rights] of Object.entries(professions)) {
    const at = `professions.${profession}`;
    if (profession.trim() === '') problems.push(`${at}: the profession name is empty`);
    if (!isRecord(rights)) {
      problems.push(`${at}: must be an object { documentTypes, reimbursements }`);
      continue;
    }
    for (const key of Object.keys(rights)) {
      if (!knownRightsKeys.has(key)) problems.push(`${at}.${key}: unknown field`);
    }
    const types = rights.documentTypes;
    if (!Array.isArray(types) || types.some((type) => typeof type !== 'string' || type.trim() === '')) {
      problems.push(`${at}.documentTypes: must be an array of document type codes (or ["*"])`);
    } else if (types.includes(ALL_DOCUMENT_TYPES) && types.length > 1) {
      problems.push(`${at}.documentTypes: "*" already means every type; list nothing else with it`);
    }
    if (typeof rights.reimbursements !== 'boolean') problems.push(`${at}.reimbursements: must be true or false`);
  }
  return problems;
}

/** Precomputes the lookups of a matrix already known to be valid. */
export function compileMatrix(matrix: Readonly<ProfessionMatrix>): CompiledMatrix {
  const professions = new Map<string, CompiledRights>();
  for (const [profession, rights] of Object.entries(matrix.professions)) {
    professions.set(profession, {
      allTypes: rights.documentTypes.includes(ALL_DOCUMENT_TYPES),
      types: new Set(rights.documentTypes),
      reimbursements: rights.reimbursements,
    });
  }
  return Object.freeze({
    source: matrix,
    rulesVersion: `${ACCESS_RULES_VERSION}/${matrix.version}`,
    emergencyAccessMs: Math.round(matrix.emergencyAccessMinutes * 60_000),
    samuAccessMs: Math.round(matrix.samuAccessMinutes * 60_000),
    professions,
  });
}

/**
 * Validates a replacement matrix (a JSON string or an already parsed object) and compiles it.
 * Throws InvalidMatrixError listing every problem: a bad matrix must stop a boot, not open
 * records to the wrong people.
 */
export function loadMatrix(json: string | unknown): CompiledMatrix {
  let candidate: unknown = json;
  if (typeof json === 'string') {
    try {
      candidate = JSON.parse(json);
    } catch (error) {
      throw new InvalidMatrixError([`not JSON: ${(error as Error).message}`]);
    }
  }
  const problems = checkMatrix(candidate);
  if (problems.length > 0) throw new InvalidMatrixError(problems);
  // Copy so that later changes to the caller's object cannot change decisions.
  return compileMatrix(JSON.parse(JSON.stringify(candidate)) as ProfessionMatrix);
}

/** The shipped matrix, compiled once. */
export const defaultCompiledMatrix: CompiledMatrix = compileMatrix(defaultProfessionMatrix);

/** Whether the matrix lets a profession read a document type (for tables and docs). */
export function matrixAllows(matrix: CompiledMatrix, profession: string, documentType: string): boolean {
  const rights = matrix.professions.get(profession);
  return rights !== undefined && (rights.allTypes || rights.types.has(documentType));
}
