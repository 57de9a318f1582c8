import { join, resolve } from 'node:path';
import {
  CliUsageError,
  SIMULATE_USAGE,
  parseSimulateArgs,
  progressLine,
  waitForSuite,
  writeLedger,
} from './cli-support';
import { renderReport } from './report';
import { DEFAULT_ENDPOINTS, runSimulation } from './run-simulation';
import type { ServiceEndpoints } from './types';

/** dist/tools/simulate/src/simulate.cli.js -> the repository root. */
const root = resolve(__dirname, '..', '..', '..', '..');

async function main(): Promise<number> {
  let args;
  try {
    if (process.argv.includes('--help')) {
      process.stdout.write(`${SIMULATE_USAGE}\n`);
      return 0;
    }
    args = parseSimulateArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`${error.message}\n\n${SIMULATE_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  const endpoints: ServiceEndpoints = { ...DEFAULT_ENDPOINTS, ...args.endpoints };
  try {
    await waitForSuite(endpoints, 5_000);
  } catch (error) {
    process.stderr.write(
      `simulate: ${error instanceof Error ? error.message : String(error)}\nStart the suite first (npm start), or point --enrolment ... --analytics at it.\n`,
    );
    return 1;
  }
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('simulate: interrupted, writing the ledger of what was done\n');
    controller.abort();
  });
  const out = resolve(args.out ?? join(root, '.data', 'simulate', `ledger-${args.seed}.json`));
  const ledger = await runSimulation({
    seed: args.seed,
    scale: args.scale,
    endpoints,
    ...(args.kafkaBrokers ? { kafkaBrokers: args.kafkaBrokers } : {}),
    ...(args.feedDelivery ? { feedDelivery: args.feedDelivery } : {}),
    dropDir: resolve(args.dropDir ?? join(root, '.data', 'reimbursements', 'drop')),
    ...(args.concurrency ? { concurrency: args.concurrency } : {}),
    ...(args.bulkOpenings === false ? { bulkOpenings: false } : {}),
    ...(args.submissionSize ? { submissionSize: args.submissionSize } : {}),
    ...(args.retryDeadlineMs !== undefined ? { retryDeadlineMs: args.retryDeadlineMs } : {}),
    ...(args.settleTimeoutMs !== undefined ? { settleTimeoutMs: args.settleTimeoutMs } : {}),
    ...(args.quiet
      ? {}
      : {
          onProgress: (p) => process.stdout.write(`${progressLine(p)}\n`),
          log: (line: string) => process.stdout.write(`  ${line}\n`),
        }),
    signal: controller.signal,
  });
  writeLedger(out, ledger);
  process.stdout.write(`\n${renderReport(ledger)}\n\nledger: ${out}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `simulate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
