/** Coding systems of the insurer's reimbursement lines. */
export enum CodingSystem {
  /** Classification commune des actes médicaux. */
  CCAM = 'ccam',
  /** Nomenclature générale des actes professionnels. */
  NGAP = 'ngap',
  /** Drugs, by their 13-digit CIP code. */
  CIP13 = 'cip13',
  /** Nomenclature des actes de biologie médicale. */
  NABM = 'nabm',
  /** Liste des produits et prestations (devices). */
  LPP = 'lpp',
}

export enum ReimbursementFileKind {
  BACKFILL = 'backfill',
  DELTA = 'delta',
}
