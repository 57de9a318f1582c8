import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  FeedDelivery,
  ServiceEndpoints,
  ServiceName,
  SimulationLedger,
  SimulationProgress,
} from './types';

export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = CliUsageError.name;
  }
}

export interface SimulateArgs {
  seed: number;
  scale: number;
  out?: string;
  endpoints: Partial<ServiceEndpoints>;
  kafkaBrokers?: string[];
  feedDelivery?: FeedDelivery[];
  dropDir?: string;
  concurrency?: number;
  bulkOpenings?: boolean;
  submissionSize?: number;
  retryDeadlineMs?: number;
  settleTimeoutMs?: number;
  quiet: boolean;
}

export const SIMULATE_USAGE = `Usage: npm run simulate -- [options]   (against a running suite: npm start)
  --seed N               seed of every random choice (default 42)
  --scale X              1 = ~500 openings, ~1,000 documents, ~50,000 reimbursement lines (default 1)
  --out FILE             where to write the ledger JSON (default .data/simulate/ledger-<seed>.json)
  --brokers h:p,...      Kafka bootstrap list (default 127.0.0.1:19092)
  --enrolment URL        (and --documents, --reimbursements, --consent, --analytics) service base URLs
                         (default http://127.0.0.1:3001 ... 3005)
  --port-offset N        add N to every default service port (a suite started with --port-offset N)
  --feed-delivery LIST   upload, drop-folder, announcement (comma-separated: files rotate; default upload)
  --drop-dir DIR         the reimbursements drop folder (for drop-folder and announcement; default .data/reimbursements/drop)
  --concurrency N        HTTP requests in flight per phase (default 32)
  --no-bulk-openings     CPAM counters open records one request each instead of in campaigns (bulk jobs)
  --submission-size N    documents per Kafka submission (1-1000, default 50)
  --retry-deadline-ms N  how long one action is retried while the suite does not answer (default 120000)
  --settle-timeout-ms N  how long to wait for asynchronous answers at the end (default 120000)
  --quiet                no progress lines`;

const SERVICE_NAMES: readonly ServiceName[] = [
  'enrolment',
  'documents',
  'reimbursements',
  'consent',
  'analytics',
];
const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = {
  enrolment: 3001,
  documents: 3002,
  reimbursements: 3003,
  consent: 3004,
  analytics: 3005,
};

function numberArg(flag: string, raw: string | undefined, min: number, integer: boolean): number {
  const value = Number(raw);
  if (
    raw === undefined ||
    !Number.isFinite(value) ||
    value < min ||
    (integer && !Number.isInteger(value))
  ) {
    throw new CliUsageError(
      `${flag} must be ${integer ? 'an integer' : 'a number'} >= ${min} (got ${raw ?? 'nothing'})`,
    );
  }
  return value;
}

/** Parses `npm run simulate` arguments; unknown flags are usage errors. */
export function parseSimulateArgs(argv: string[]): SimulateArgs {
  const args: SimulateArgs = { seed: 42, scale: 1, endpoints: {}, quiet: false };
  let portOffset = 0;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string | undefined => argv[++i];
    const service = SERVICE_NAMES.find((s) => flag === `--${s}`);
    if (service) {
      const url = value();
      if (!url || !/^https?:\/\/[^/]+$/.test(url.replace(/\/$/, '')))
        throw new CliUsageError(
          `${flag} must be a base URL such as http://127.0.0.1:3001 (got ${url ?? 'nothing'})`,
        );
      args.endpoints[service] = url.replace(/\/$/, '');
      continue;
    }
    switch (flag) {
      case '--seed':
        args.seed = numberArg(flag, value(), 0, true);
        break;
      case '--scale':
        args.scale = numberArg(flag, value(), 0.001, false);
        break;
      case '--out':
        args.out = value();
        if (!args.out) throw new CliUsageError('--out needs a file name');
        break;
      case '--brokers': {
        const list = (value() ?? '')
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean);
        if (list.length === 0 || list.some((b) => !/^[^:]+:\d+$/.test(b)))
          throw new CliUsageError('--brokers must be a comma-separated list of host:port');
        args.kafkaBrokers = list;
        break;
      }
      case '--port-offset':
        portOffset = numberArg(flag, value(), 0, true);
        break;
      case '--feed-delivery': {
        const list = (value() ?? '').split(',').map((w) => w.trim());
        const allowed: FeedDelivery[] = ['upload', 'drop-folder', 'announcement'];
        if (list.length === 0 || list.some((w) => !allowed.includes(w as FeedDelivery)))
          throw new CliUsageError(`--feed-delivery must list ${allowed.join(', ')}`);
        args.feedDelivery = list as FeedDelivery[];
        break;
      }
      case '--drop-dir':
        args.dropDir = value();
        if (!args.dropDir) throw new CliUsageError('--drop-dir needs a directory');
        break;
      case '--concurrency':
        args.concurrency = numberArg(flag, value(), 1, true);
        break;
      case '--no-bulk-openings':
        args.bulkOpenings = false;
        break;
      case '--submission-size':
        args.submissionSize = numberArg(flag, value(), 1, true);
        if (args.submissionSize > 1000)
          throw new CliUsageError(
            '--submission-size must be at most 1000 (a submission carries 1-1000 documents)',
          );
        break;
      case '--retry-deadline-ms':
        args.retryDeadlineMs = numberArg(flag, value(), 0, true);
        break;
      case '--settle-timeout-ms':
        args.settleTimeoutMs = numberArg(flag, value(), 0, true);
        break;
      case '--quiet':
        args.quiet = true;
        break;
      default:
        throw new CliUsageError(`unknown option ${flag ?? ''}`);
    }
  }
  for (const s of SERVICE_NAMES)
    args.endpoints[s] ??= `http://127.0.0.1:${DEFAULT_PORTS[s] + portOffset}`;
  return args;
}

/** One progress line: `[  12.3 s] openings 230/500 ...  45.2 actions/s`. */
export function progressLine(p: SimulationProgress): string {
  const kinds: Array<[keyof SimulationProgress['done'], string]> = [
    ['openings', 'openings'],
    ['authorisations', 'authorisations'],
    ['documents', 'documents'],
    ['feedFiles', 'feed files'],
    ['consultations', 'visits'],
  ];
  const parts = kinds.map(([k, label]) => `${label} ${p.done[k]}/${p.planned[k]}`);
  const extra = [
    p.retries > 0 ? `${p.retries} retries` : '',
    p.unknown > 0 ? `${p.unknown} unknown` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `[${(p.elapsedMs / 1000).toFixed(1).padStart(6)} s] ${p.phase.padEnd(14)} ${parts.join('  ')}  ${p.ratePerSecond.toFixed(1)} actions/s${extra ? `  (${extra})` : ''}`;
}

export function writeLedger(path: string, ledger: SimulationLedger): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(ledger, null, 1) + '\n');
}

/** Resolves when every service answers /health/ready with 200, or rejects with the ones that do not. */
export async function waitForSuite(
  endpoints: ServiceEndpoints,
  timeoutMs: number,
  isAlive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let missing: string[] = [];
  while (Date.now() < deadline && isAlive()) {
    missing = [];
    for (const [name, url] of Object.entries(endpoints)) {
      try {
        const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        if (response.status !== 200) missing.push(`${name} (${response.status})`);
      } catch {
        missing.push(`${name} (no answer at ${url})`);
      }
    }
    if (missing.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the suite is not ready: ${missing.join(', ') || 'the runtime exited'}`);
}
