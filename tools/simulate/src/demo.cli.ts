import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { planRuntime, UsageError, type RuntimePlan } from '@dmp/runtime';
import { progressLine, waitForSuite, writeLedger } from './cli-support';
import { renderReport } from './report';
import { runSimulation } from './run-simulation';
import type { FeedDelivery, ServiceEndpoints, ServiceName } from './types';

/**
 * `npm run demo`: starts the suite on the embedded defaults (the `npm start` runtime, as a
 * child process), waits until every service is ready, runs a small simulation, prints its
 * report and the dashboard's address, and leaves the suite running until Ctrl-C. A suite that
 * already answers on those ports is used as it is.
 */

/** dist/tools/simulate/src/demo.cli.js -> the repository root. */
const root = resolve(__dirname, '..', '..', '..', '..');

const USAGE = `Usage: npm run demo -- [--seed N] [--scale X] [runtime options: --port-offset N --data-dir DIR --pg-port N --kafka-port N]
  --seed N    seed of the simulation (default: from the clock, printed; the same seed twice on the
              same data finds the records already open)
  --scale X   size of the simulation (default 0.3: ~150 openings, ~300 documents, ~15,000 reimbursement lines)`;

const say = (line: string): void => {
  process.stdout.write(`demo             | ${line}\n`);
};

function parse(argv: string[]): { seed: number; scale: number; runtimeArgs: string[] } {
  let seed = Math.floor(Date.now() / 1000) % 1_000_000;
  let scale = 0.3;
  const runtimeArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--seed' || flag === '--scale') {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value <= 0 || (flag === '--seed' && !Number.isInteger(value)))
        throw new UsageError(
          `${flag} must be a positive ${flag === '--seed' ? 'integer' : 'number'}`,
        );
      if (flag === '--seed') seed = value;
      else scale = value;
    } else if (flag === '--instances' || flag === '--services') {
      throw new UsageError(`${flag} is not for the demo (it runs one instance of each service)`);
    } else {
      runtimeArgs.push(flag);
    }
  }
  return { seed, scale, runtimeArgs };
}

function endpointsOf(plan: RuntimePlan): ServiceEndpoints {
  const endpoints = {} as ServiceEndpoints;
  for (const instance of plan.instances)
    if (instance.index === 1)
      endpoints[instance.service as ServiceName] = `http://127.0.0.1:${instance.port}`;
  return endpoints;
}

async function alreadyRunning(endpoints: ServiceEndpoints): Promise<boolean> {
  try {
    await waitForSuite(endpoints, 1_000);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parse>;
  let plan: RuntimePlan;
  try {
    args = parse(process.argv.slice(2));
    plan = planRuntime(args.runtimeArgs, process.env, root);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      process.exit(2);
    }
    throw error;
  }
  const endpoints = endpointsOf(plan);
  const missing = (
    ['enrolment', 'documents', 'reimbursements', 'consent', 'analytics'] as const
  ).filter((s) => endpoints[s] === undefined);
  if (missing.length > 0) {
    process.stderr.write(
      `the demo needs every service; not planned: ${missing.join(', ')} (unset SERVICES)\n`,
    );
    process.exit(2);
  }

  let runtime: ChildProcess | undefined;
  let runtimeExited = false;
  const controller = new AbortController();
  let interrupts = 0;
  const stopRuntime = (): void => {
    if (runtime && !runtimeExited) runtime.kill('SIGINT');
  };
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1 || !runtime) process.exit(130);
    say('stopping: the simulation, then the suite (a second Ctrl-C exits at once)');
    controller.abort();
    stopRuntime();
  });
  process.on('SIGTERM', () => {
    controller.abort();
    stopRuntime();
  });
  process.on('exit', stopRuntime);

  // The runtime keeps the reimbursements drop folder under the data directory: the demo drops
  // files where the service it starts watches.
  const dropDir =
    plan.instances.find((i) => i.service === 'reimbursements')?.env?.['REIMBURSEMENTS_DROP_DIR'] ??
    join(plan.dataDir, 'reimbursements', 'drop');
  let feedDelivery: FeedDelivery[] = ['upload', 'drop-folder', 'announcement'];
  if (await alreadyRunning(endpoints)) {
    say(`a suite already answers on ${endpoints.enrolment} ... ${endpoints.analytics}: using it`);
    // Its drop folder is unknown here: uploads and announcements (absolute paths) only.
    feedDelivery = ['upload', 'announcement'];
  } else {
    mkdirSync(plan.dataDir, { recursive: true });
    const logPath = join(plan.dataDir, 'demo-suite.log');
    const log = createWriteStream(logPath, { flags: 'a' });
    say(`starting the suite (npm start ${args.runtimeArgs.join(' ')}); service logs in ${logPath}`);
    // Its own process group: Ctrl-C reaches the demo only, which stops the runtime once, gracefully.
    runtime = spawn(
      process.execPath,
      [join(root, 'dist', 'tools', 'runtime', 'src', 'main.js'), ...args.runtimeArgs],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    let announceReady: () => void = () => undefined;
    // The runtime prints its table once every service is ready: the simulation starts after it.
    const runtimeReady = new Promise<void>((resolve) => (announceReady = resolve));
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.length === 0) continue;
        if (/instance\(s\) ready/.test(line)) announceReady();
        log.write(`${line}\n`);
        // The runtime's own lines and its table; the services' JSON logs go to the file only.
        if (line.startsWith('runtime') || !line.includes(' | ')) process.stdout.write(`${line}\n`);
      }
    };
    runtime.stdout?.on('data', forward);
    runtime.stderr?.on('data', forward);
    runtime.once('exit', (code) => {
      runtimeExited = true;
      say(`the suite stopped (exit code ${code ?? 'none'})`);
      process.exit(interrupts > 0 ? 0 : 1);
    });
    try {
      await waitForSuite(
        endpoints,
        Number(process.env['RUNTIME_READY_TIMEOUT_MS'] ?? 180_000),
        () => !runtimeExited,
      );
      await Promise.race([runtimeReady, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    } catch (error) {
      say(`${error instanceof Error ? error.message : String(error)}; see ${logPath}`);
      stopRuntime();
      return;
    }
  }

  say(
    `simulation: seed ${args.seed}, scale ${args.scale} (replay with: npm run demo -- --seed ${args.seed} --scale ${args.scale})`,
  );
  const ledger = await runSimulation({
    seed: args.seed,
    scale: args.scale,
    endpoints,
    kafkaBrokers: plan.kafkaBrokers.split(','),
    // The insurer uses each of the ways in, in turn.
    feedDelivery,
    dropDir: isAbsolute(dropDir) ? dropDir : join(root, dropDir),
    onProgress: (p) => process.stdout.write(`${progressLine(p)}\n`),
    log: (line) => say(line),
    signal: controller.signal,
  });
  const ledgerPath = join(plan.dataDir, 'simulate', `ledger-${args.seed}.json`);
  writeLedger(ledgerPath, ledger);
  process.stdout.write(`\n${renderReport(ledger)}\n\n`);
  say(`ledger: ${ledgerPath}`);
  say(`dashboard: ${endpoints.analytics}/dashboard`);
  say(
    `figures:   ${endpoints.analytics}/figures/openings?period=day (operator token: POST ${endpoints.analytics}/dev/tokens {"role":"operator","operatorId":"ops-1"})`,
  );
  if (runtime) say('the suite keeps running; Ctrl-C stops it.');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
