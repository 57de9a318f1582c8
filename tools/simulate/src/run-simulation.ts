import type { ServiceEndpoints, SimulationLedger, SimulationOptions } from './types';
import { computeTotals } from './ledger';

export const DEFAULT_ENDPOINTS: Readonly<ServiceEndpoints> = {
  enrolment: 'http://127.0.0.1:3001',
  documents: 'http://127.0.0.1:3002',
  reimbursements: 'http://127.0.0.1:3003',
  consent: 'http://127.0.0.1:3004',
  analytics: 'http://127.0.0.1:3005',
};

export const DEFAULT_KAFKA_BROKERS: readonly string[] = ['127.0.0.1:19092'];

/** Runs one simulation against a running suite and resolves with its ledger (also when aborted). */
export async function runSimulation(options: SimulationOptions): Promise<SimulationLedger> {
  const started = new Date();
  const ledger: SimulationLedger = {
    version: 1,
    seed: options.seed,
    scale: options.scale,
    startedAt: started.toISOString(),
    finishedAt: started.toISOString(),
    durationMs: 0,
    aborted: options.signal?.aborted ?? false,
    endpoints: { ...DEFAULT_ENDPOINTS, ...options.endpoints },
    kafkaBrokers: [...(options.kafkaBrokers ?? DEFAULT_KAFKA_BROKERS)],
    population: { cpamOffices: [], pharmacies: [], establishments: [], professionals: [], patients: 0, dependants: 0 },
    openings: [],
    dependants: [],
    documents: [],
    backfillRequests: [],
    feedFiles: [],
    authorisations: [],
    consultations: [],
    totals: computeTotals({ openings: [], dependants: [], documents: [], backfillRequests: [], feedFiles: [], authorisations: [], consultations: [] }, 0),
    anomalies: [],
  };
  ledger.finishedAt = new Date().toISOString();
  ledger.durationMs = Date.now() - started.getTime();
  return ledger;
}
