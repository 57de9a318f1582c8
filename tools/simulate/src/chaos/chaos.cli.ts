// `npm run chaos -- --scale N --seed S [options]`: the simulation under fault injection, then
// the invariant checks. Progress on stdout; the last line is one JSON object (lost, duplicated,
// kills, restarts, duration...). Exit code 0 when every invariant holds, 1 otherwise, 2 on a
// usage error.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatReport } from '../invariants/check-invariants';
import type { SimulationProgress } from '../types';
import { runChaos, type ChaosOptions } from './run-chaos';
import { SUITE_SERVICES, type SuiteService } from './suite-processes';

const USAGE = `usage: npm run chaos -- [--scale N] [--seed S] [options]
  --scale N              simulator scale (default 1: ~500 openings, 1,000 documents, 50,000 lines;
                         100 gives the issue's large run: 50,000 openings, 100,000 documents, 5 M lines)
  --seed S               seed of the simulation and of the fault plan (default 1)
  --kills N              SIGKILLs at most, services and broker (default 8)
  --gap A-B              seconds of quiet before each fault (default 5-20)
  --down A-B             seconds a killed process stays down (default 0.5-5)
  --no-postgres-restart  do not restart PostgreSQL
  --instances a=2,b=1    instances per service (default documents=2,consent=2, others 1)
  --data-dir DIR         keep the suite's data there (default: a temporary directory, removed)
  --ledger-out FILE      write the simulator's ledger (JSON)
  --report-out FILE      write the full report (faults and invariants, JSON)
  --max-minutes N        stop the simulation after N minutes (default 120)
  --check-minutes N      how long the invariant checks wait for convergence (default 5)
  --verbose              echo the services' own output`;

class UsageError extends Error {}

function range(flag: string, raw: string | undefined): [number, number] {
  const match = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(raw ?? '');
  if (!match) throw new UsageError(`${flag} needs A-B in seconds, got ${raw ?? 'nothing'}`);
  const [low, high] = [Number(match[1]) * 1000, Number(match[2]) * 1000];
  if (low > high) throw new UsageError(`${flag}: ${raw} is not a range`);
  return [low, high];
}

function positive(flag: string, raw: string | undefined, integer: boolean): number {
  const value = Number(raw);
  if (
    raw === undefined ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new UsageError(
      `${flag} needs a positive ${integer ? 'integer' : 'number'}, got ${raw ?? 'nothing'}`,
    );
  }
  return value;
}

interface CliOptions extends Omit<ChaosOptions, 'root'> {
  ledgerOut?: string;
  reportOut?: string;
  verbose: boolean;
}

export function parseChaosArgs(argv: string[]): CliOptions {
  const options: CliOptions = { seed: 1, scale: 1, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] =
      arg.includes('=') && arg.startsWith('--') && !arg.startsWith('--instances')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--scale':
        options.scale = positive(flag, value(), false);
        break;
      case '--seed': {
        const raw = value();
        const seed = Number(raw);
        if (raw === undefined || !Number.isInteger(seed) || seed < 0)
          throw new UsageError(`--seed needs an integer >= 0, got ${raw ?? 'nothing'}`);
        options.seed = seed;
        break;
      }
      case '--kills':
        options.maxKills = positive(flag, value(), true);
        break;
      case '--gap':
        options.gapMs = range(flag, value());
        break;
      case '--down':
        options.downMs = range(flag, value());
        break;
      case '--no-postgres-restart':
        options.restartPostgres = false;
        break;
      case '--instances': {
        const raw = arg.startsWith('--instances=') ? arg.slice('--instances='.length) : argv[++i];
        const instances: Partial<Record<SuiteService, number>> = {};
        for (const part of (raw ?? '').split(',').filter(Boolean)) {
          const [name, count] = part.split('=');
          if (!SUITE_SERVICES.includes(name as SuiteService))
            throw new UsageError(
              `--instances: unknown service ${name}; known: ${SUITE_SERVICES.join(', ')}`,
            );
          const n = Number(count);
          if (!Number.isInteger(n) || n < 1 || n > 4)
            throw new UsageError(`--instances: ${name} needs 1-4 instances, got ${count}`);
          instances[name as SuiteService] = n;
        }
        options.instances = instances;
        break;
      }
      case '--data-dir':
        options.dataDir = resolve(value() ?? '');
        break;
      case '--ledger-out':
        options.ledgerOut = value();
        break;
      case '--report-out':
        options.reportOut = value();
        break;
      case '--max-minutes':
        options.maxSimulationMs = positive(flag, value(), false) * 60_000;
        break;
      case '--check-minutes':
        options.invariantDeadlineMs = positive(flag, value(), false) * 60_000;
        break;
      case '--verbose':
        options.verbose = true;
        break;
      case '--help':
      case '-h':
        throw new UsageError(USAGE);
      default:
        throw new UsageError(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  return options;
}

function progressLine(p: SimulationProgress): string {
  const kinds = (Object.keys(p.planned) as Array<keyof SimulationProgress['planned']>).map(
    (k) => `${k} ${p.done[k]}/${p.planned[k]}`,
  );
  return `[${(p.elapsedMs / 1000).toFixed(0)} s] ${p.phase}: ${kinds.join(', ')}; ${p.ratePerSecond.toFixed(0)}/s, retries ${p.retries}, unknown ${p.unknown}`;
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseChaosArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const began = Date.now();
  const say = (line: string): void =>
    void process.stdout.write(
      `chaos [${((Date.now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}\n`,
    );
  let lastProgress = 0;
  const result = await runChaos({
    ...options,
    root: resolve(__dirname, '..', '..', '..', '..', '..'),
    log: say,
    onProgress: (progress) => {
      // One line every 5 s (and the last one): readable in a CI log as well as on a terminal.
      if (Date.now() - lastProgress < 5_000 && progress.phase !== 'done') return;
      lastProgress = Date.now();
      say(progressLine(progress));
    },
    serviceOutput: options.verbose ? (line) => process.stdout.write(`  ${line}\n`) : undefined,
  });
  if (options.ledgerOut) writeFileSync(options.ledgerOut, JSON.stringify(result.ledger));
  if (options.reportOut)
    writeFileSync(
      options.reportOut,
      JSON.stringify(
        {
          summary: result.summary,
          cpuSeconds: result.cpuSeconds,
          cpuSecondsByProcess: result.cpuSecondsByProcess,
          faults: result.faults,
          invariants: result.invariants,
        },
        null,
        2,
      ),
    );
  process.stdout.write('\nfaults:\n');
  for (const fault of result.faults.faults) {
    process.stdout.write(
      `  ${fault.at} ${fault.action.padEnd(20)} ${fault.target.padEnd(18)} down ${fault.downMs} ms, suite ready after ${fault.recoveredMs} ms${fault.problem ? `  PROBLEM: ${fault.problem}` : ''}\n`,
    );
  }
  if (result.ledger.anomalies.length) {
    process.stdout.write(`\nsimulator anomalies (${result.ledger.anomalies.length}):\n`);
    for (const anomaly of result.ledger.anomalies.slice(0, 20))
      process.stdout.write(`  ${anomaly}\n`);
  }
  process.stdout.write(`\n${formatReport(result.invariants).join('\n')}\n\n`);
  process.stdout.write(`${JSON.stringify(result.summary)}\n`);
  process.exit(result.summary.holds ? 0 : 1);
}

if (require.main === module) {
  // Ctrl-C: exit at once; the child processes are killed on the way out (ManagedProcess, and
  // the embedded PostgreSQL's own exit hook).
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => process.exit(130));
  main().catch((error: unknown) => {
    process.stderr.write(
      `chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
