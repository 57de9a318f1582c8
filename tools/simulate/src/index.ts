// @dmp/simulate (tools/simulate): the roll-out simulator. It drives a running suite through its
// public interfaces only (HTTP and the establishment and insurer topics) and returns a ledger of
// what it asked and what the suite answered; `npm run simulate` and `npm run demo` are its CLIs.
export * from './types';
export { runSimulation, DEFAULT_ENDPOINTS, DEFAULT_KAFKA_BROKERS } from './run-simulation';
export { renderReport } from './report';
export { emptyTotals, computeTotals } from './ledger';
