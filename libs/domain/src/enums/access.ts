/** How a requester reaches a record. */
export enum AccessMode {
  NORMAL = 'normal',
  /** "Bris de glace": the patient cannot consent; needs a reason, expires on its own. */
  EMERGENCY = 'emergency',
  SAMU_REGULATION = 'samu-regulation',
  /** An establishment's software reading without a professional's personal card (CPS). */
  ESTABLISHMENT_WITHOUT_CARD = 'establishment-without-card',
}

export enum AccessTargetKind {
  DOCUMENT = 'document',
  REIMBURSEMENTS = 'reimbursements',
}

/**
 * Who is acting. The same values are the roles of @dmp/auth; they live here so that events
 * (which may not import auth) can say who opened a record or read a document.
 */
export enum ActorRole {
  PATIENT = 'patient',
  LEGAL_REPRESENTATIVE = 'legal-representative',
  PROFESSIONAL = 'professional',
  ESTABLISHMENT = 'establishment',
  PHARMACY = 'pharmacy',
  CPAM_AGENT = 'cpam-agent',
  INSURER_PIPELINE = 'insurer-pipeline',
  OPERATOR = 'operator',
}
