export enum RecordStatus {
  OPEN = 'open',
  CLOSED = 'closed',
}

/** Why a record was closed; a closed record is kept, never erased. */
export enum ClosureReason {
  PATIENT_REQUEST = 'patient-request',
  DEATH = 'death',
  /** Closed by the insurer (for example a duplicate found after an identity merge). */
  ADMINISTRATIVE = 'administrative',
}

export enum LegalRepresentativeRelationship {
  PARENT = 'parent',
  GUARDIAN = 'guardian',
  OTHER = 'other',
}

export enum Sex {
  MALE = 'male',
  FEMALE = 'female',
  UNKNOWN = 'unknown',
}
