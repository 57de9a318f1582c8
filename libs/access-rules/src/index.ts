// @dmp/access-rules: the pure, versioned access decision. Consent feeds the state through its
// events; documents and reimbursements call decideAccess before every read.
export * from './rules-version';
export * from './reason-codes';
export * from './access-request';
export * from './consent-state';
export * from './consent-events';
export * from './profession-matrix';
export * from './decide-access';
