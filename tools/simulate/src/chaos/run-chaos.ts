import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulation } from '../run-simulation';
import type { SimulationLedger, SimulationProgress } from '../types';
import { checkInvariants, type InvariantReport } from '../invariants/check-invariants';
import { expectationsFromLedger } from '../invariants/from-ledger';
import { SuiteClient } from '../invariants/suite-client';
import { ChaosSuite, type SuiteDatabase } from './chaos-suite';
import { CpuByStretch } from './cpu-sampler';
import { FaultInjector, type FaultSummary } from './fault-injector';
import { planFaults } from './fault-plan';
import type { SuiteService } from './suite-processes';

export interface ChaosOptions {
  /** Repository root (dist/ must be built). */
  root: string;
  seed: number;
  /** The simulator's scale (1 = about 500 openings, 1,000 documents, 50,000 reimbursement lines). */
  scale: number;
  /** Where the suite keeps its data (default: a fresh temporary directory, removed at the end). */
  dataDir?: string;
  database?: SuiteDatabase;
  /** Instances per service (default: two documents and two consent instances, one of the others). */
  instances?: Partial<Record<SuiteService, number>>;
  /** Kills at most (services and broker; default 8). */
  maxKills?: number;
  /** Kills that must have happened before the checks (default 2: one service instance and the broker). */
  minKills?: number;
  /** Restart PostgreSQL once (embedded database only; default true). */
  restartPostgres?: boolean;
  /** Quiet time before each fault (default 5-20 s). */
  gapMs?: [number, number];
  /** Downtime of a killed process (default 0.5-5 s). */
  downMs?: [number, number];
  /** Stop the simulation after this long, recording what is pending as unknown (default 2 h). */
  maxSimulationMs?: number;
  /** How long the invariant checks wait for convergence (default 5 min). */
  invariantDeadlineMs?: number;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
  onProgress?: (progress: SimulationProgress) => void;
  serviceOutput?: (line: string) => void;
}

/** The last line of a chaos run: the figure quoted. */
export interface ChaosSummaryLine {
  seed: number;
  scale: number;
  holds: boolean;
  lost: number;
  duplicated: number;
  unexpected: number;
  kills: number;
  restarts: number;
  postgresRestarts: number;
  crashes: number;
  durationMs: number;
  simulationMs: number;
  checksMs: number;
  openings: number;
  documents: number;
  reimbursementLines: number;
  consultations: number;
  /** Actions whose outcome the simulator could not know (a process died under them). */
  unknownOutcomes: number;
  /** Requests the balancers answered 502 because an instance died while handling them. */
  requestsLostInFlight: number;
  anomalies: number;
  /**
   * CPU seconds (user + system) of the whole run's process tree (this process, PostgreSQL and
   * its backends, the broker, every service instance) while simulating and while checking: the
   * comparable cost on a shared machine, where wall-clock time mostly measures the others.
   */
  cpuSecondsSimulation: number;
  cpuSecondsChecks: number;
}

export interface ChaosResult {
  /** CPU seconds of the run's process tree per stretch: boot, each simulator phase, checks. */
  cpuSeconds: Record<string, number>;
  /** The same per kind of process (`self` = simulator and checks, `postgres`, `broker`, services). */
  cpuSecondsByProcess: Record<string, Record<string, number>>;
  ledger: SimulationLedger;
  faults: FaultSummary;
  invariants: InvariantReport;
  summary: ChaosSummaryLine;
}

/**
 * The chaos run: the suite as separate processes, the simulation against it while services and
 * the broker are killed (SIGKILL) and restarted at seeded moments and PostgreSQL is restarted
 * once, then the invariant checks through the public APIs.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const began = Date.now();
  const log = options.log ?? (() => undefined);
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'dmp-chaos-'));
  const database = options.database ?? { kind: 'embedded' };
  // A service boots in seconds on a quiet machine, but in minutes on a shared one under load.
  const readyTimeoutMs = options.readyTimeoutMs ?? 300_000;
  const cpu = new CpuByStretch(process.pid);
  cpu.enter('boot');
  const suite = new ChaosSuite({
    root: options.root,
    dataDir,
    database,
    instances: options.instances ?? { documents: 2, consent: 2 },
    readyTimeoutMs,
    log,
    serviceOutput: options.serviceOutput,
  });
  try {
    await suite.start();
    const plan = planFaults({
      seed: options.seed,
      instances: suite.instances.map((instance) => instance.name),
      maxKills: options.maxKills ?? 8,
      // Right after the first two kills (an instance and the broker): a long run's simulation
      // may end before the middle of its plan, and the restart must happen while it runs.
      postgresRestartAfter:
        database.kind === 'embedded' && (options.restartPostgres ?? true) ? 2 : undefined,
      gapMs: options.gapMs ?? [5_000, 20_000],
      downMs: options.downMs ?? [500, 5_000],
    });
    log(
      `fault plan (seed ${options.seed}): ${plan.map((f) => `${f.action} ${f.target} after ${(f.gapMs / 1000).toFixed(1)} s`).join('; ')}`,
    );
    const injector = new FaultInjector(suite, plan, {
      readyTimeoutMs,
      log,
    });
    const { urls, kafkaBrokers, reimbursementsDropDir } = suite.endpoints;
    injector.start();
    const simulationBegan = Date.now();
    const abort = new AbortController();
    const limit = setTimeout(() => abort.abort(), options.maxSimulationMs ?? 2 * 3600_000);
    let ledger: SimulationLedger;
    try {
      ledger = await runSimulation({
        seed: options.seed,
        scale: options.scale,
        endpoints: urls,
        kafkaBrokers: [kafkaBrokers],
        feedDelivery: ['upload', 'drop-folder', 'announcement'],
        dropDir: reimbursementsDropDir,
        workDir: join(dataDir, 'simulator'),
        // Outages last seconds, but a service restarting while the broker is down waits for both.
        retryDeadlineMs: 180_000,
        settleTimeoutMs: 240_000,
        onProgress: (progress) => {
          if (progress.phase !== 'done') cpu.enter(progress.phase);
          options.onProgress?.(progress);
        },
        log: (line) => log(`simulator: ${line}`),
        signal: abort.signal,
      });
    } finally {
      clearTimeout(limit);
    }
    const simulationMs = Date.now() - simulationBegan;
    const faults = await injector.stop({ atLeast: options.minKills ?? 2 });
    log(
      `faults: ${faults.kills} kill(s), ${faults.postgresRestarts} PostgreSQL restart(s), ${faults.crashes} crash(es) restarted; checking the invariants`,
    );
    cpu.enter('checks');
    const checksBegan = Date.now();
    const invariants = await checkInvariants(
      new SuiteClient(urls),
      expectationsFromLedger(ledger),
      {
        deadlineMs: options.invariantDeadlineMs ?? 5 * 60_000,
        // Enough reads in flight to keep every instance busy; the balancers spread them.
        concurrency: 24,
        log,
      },
    );
    const cpuSeconds = cpu.stop();
    const sumOf = (names: string[]): number =>
      Math.round(names.reduce((sum, name) => sum + (cpuSeconds[name] ?? 0), 0));
    log(
      `CPU seconds of the suite and the simulator: ${Object.entries(cpuSeconds)
        .map(([name, seconds]) => `${name} ${seconds}`)
        .join(', ')}`,
    );
    for (const [stretch, kinds] of Object.entries(cpu.byKind))
      log(
        `CPU seconds in ${stretch} by process: ${Object.entries(kinds)
          .filter(([, seconds]) => seconds > 0)
          .sort(([, a], [, b]) => b - a)
          .map(([kind, seconds]) => `${kind} ${seconds}`)
          .join(', ')}`,
      );
    const totals = ledger.totals;
    const summary: ChaosSummaryLine = {
      seed: options.seed,
      scale: options.scale,
      holds: invariants.holds,
      lost: invariants.lost,
      duplicated: invariants.duplicated,
      unexpected: invariants.unexpected,
      kills: faults.kills,
      restarts: faults.restarts,
      postgresRestarts: faults.postgresRestarts,
      crashes: faults.crashes,
      durationMs: Date.now() - began,
      simulationMs,
      checksMs: Date.now() - checksBegan,
      openings: totals.openings.created,
      documents: totals.documents.accepted,
      // Lines of the files the suite imported (a refused file stores nothing).
      reimbursementLines: ledger.feedFiles
        .filter((file) => file.outcome === 'completed')
        .reduce((sum, file) => sum + file.expectedStored, 0),
      consultations: totals.consultations.granted + totals.consultations.refused,
      unknownOutcomes:
        totals.openings.unknown +
        totals.documents.unknown +
        totals.feedFiles.unknown +
        totals.consultations.unknown +
        totals.authorisations.unknown,
      requestsLostInFlight: suite.lostRequests,
      anomalies: ledger.anomalies.length,
      cpuSecondsSimulation: sumOf(
        Object.keys(cpuSeconds).filter((name) => name !== 'boot' && name !== 'checks'),
      ),
      cpuSecondsChecks: sumOf(['checks']),
    };
    return { cpuSeconds, cpuSecondsByProcess: cpu.byKind, ledger, faults, invariants, summary };
  } finally {
    await suite
      .stop({ dropExternalDatabases: database.kind === 'external' })
      .catch((error: unknown) => log(`stopping the suite: ${String(error)}`));
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  }
}
