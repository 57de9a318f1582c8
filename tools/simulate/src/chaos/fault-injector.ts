import type { ChaosSuite } from './chaos-suite';
import type { PlannedFault } from './fault-plan';
import { pause } from './poll';
import type { Restartable } from './suite-processes';

export interface FaultRecord {
  target: string;
  action: 'kill -9' | 'restart' | 'crashed (restarted)';
  /** ISO time of the kill. */
  at: string;
  downMs: number;
  /** From the kill until every instance answered /health/ready again. */
  recoveredMs: number;
  /** Set when the suite did not come back within the readiness timeout. */
  problem?: string;
  /** For a crash: the last lines the process wrote. */
  lastLines?: string[];
}

export interface FaultSummary {
  /** SIGKILLs sent (services and broker). */
  kills: number;
  /** Processes started again: after kills, PostgreSQL's restart, and instances that died on their own. */
  restarts: number;
  postgresRestarts: number;
  /** Instances that exited without being killed (e.g. on losing PostgreSQL), restarted by the watcher. */
  crashes: number;
  faults: FaultRecord[];
}

export interface FaultInjectorOptions {
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

/**
 * Plays a fault plan against a running suite, in the background, while the simulation runs:
 * waits the planned quiet time, kills the target, keeps it down for the planned time, starts it
 * again and waits until every instance is ready before the next fault. A watcher restarts any
 * instance that exits on its own (as an orchestrator's restart policy would) and counts it.
 */
export class FaultInjector {
  private stopping = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private watcher: NodeJS.Timeout | undefined;
  private readonly busy = new Set<string>();
  private readonly summary: FaultSummary = {
    kills: 0,
    restarts: 0,
    postgresRestarts: 0,
    crashes: 0,
    faults: [],
  };
  private readonly readyTimeoutMs: number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly suite: ChaosSuite,
    private readonly plan: PlannedFault[],
    options: FaultInjectorOptions = {},
  ) {
    this.readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
    this.log = options.log ?? (() => undefined);
  }

  start(): void {
    this.loop = this.play();
    this.watcher = setInterval(() => void this.restartCrashed(), 500);
  }

  /** Faults done so far (a copy). */
  get progress(): FaultSummary {
    return { ...this.summary, faults: [...this.summary.faults] };
  }

  /**
   * No new fault; finishes the repair under way, restarts whatever is down, waits for readiness.
   * With `atLeast`, a run that ended before that many kills first plays the rest of the plan
   * with short gaps until it has them (a small simulation may end before the first fault).
   */
  async stop(options: { atLeast?: number } = {}): Promise<FaultSummary> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    while (this.summary.kills < (options.atLeast ?? 0) && this.cursor < this.plan.length) {
      const fault = this.plan[this.cursor++] as PlannedFault;
      const target = this.targetNamed(fault.target);
      if (!target || !target.running) continue;
      await pause(Math.min(fault.gapMs, 2_000));
      await this.inflict(fault, target);
    }
    if (this.watcher) clearInterval(this.watcher);
    await this.restartCrashed();
    try {
      await this.suite.waitAllReady(this.readyTimeoutMs);
    } catch (error) {
      // The checks still run (they retry while the suite comes back); the report says it.
      const problem = error instanceof Error ? error.message : String(error);
      this.log(`faults: the suite was not all ready at the end: ${problem}`);
      this.summary.faults.push({
        target: 'suite',
        action: 'restart',
        at: new Date().toISOString(),
        downMs: 0,
        recoveredMs: 0,
        problem,
      });
    }
    return this.progress;
  }

  private async quiet(ms: number): Promise<void> {
    if (this.stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private targetNamed(name: string): Restartable | undefined {
    return this.suite.targets.find((t) => t.name === name);
  }

  private cursor = 0;

  private async play(): Promise<void> {
    while (this.cursor < this.plan.length) {
      const fault = this.plan[this.cursor] as PlannedFault;
      await this.quiet(fault.gapMs);
      if (this.stopping) return;
      this.cursor++;
      const target = this.targetNamed(fault.target);
      if (!target || !target.running) continue;
      await this.inflict(fault, target);
    }
  }

  private async inflict(fault: PlannedFault, target: Restartable): Promise<void> {
    this.busy.add(target.name);
    const began = Date.now();
    const record: FaultRecord = {
      target: target.name,
      action: fault.action,
      at: new Date(began).toISOString(),
      downMs: fault.downMs,
      recoveredMs: 0,
    };
    try {
      this.log(`fault: ${fault.action} ${target.name} (down for ${fault.downMs} ms)`);
      await target.kill();
      if (fault.action === 'kill -9') this.summary.kills++;
      else this.summary.postgresRestarts++;
      // The planned downtime is the fault itself (a crashed process waiting for its restart), not a synchronisation.
      await pause(fault.downMs);
      await target.start(this.readyTimeoutMs);
      this.summary.restarts++;
      // A broker or PostgreSQL outage affects every service: wait until all of them are ready again.
      await this.restartCrashed();
      await this.suite.waitAllReady(this.readyTimeoutMs);
      record.recoveredMs = Date.now() - began;
      this.log(
        `fault: ${target.name} back, suite ready ${record.recoveredMs} ms after the ${fault.action}`,
      );
    } catch (error) {
      record.problem = error instanceof Error ? error.message : String(error);
      record.recoveredMs = Date.now() - began;
      this.log(`fault: ${target.name} did not recover: ${record.problem}`);
    } finally {
      this.summary.faults.push(record);
      this.busy.delete(target.name);
    }
  }

  private restarting: Promise<void> | undefined;

  /** Restarts instances (and the broker) that exited although nobody killed them. */
  private restartCrashed(): Promise<void> {
    // One sweep at a time. The flag is cleared in a `.finally` (always asynchronous): clearing
    // it inside the sweep would run before the assignment when the sweep finds nothing to do,
    // and the watcher would never sweep again.
    this.restarting ??= this.sweepCrashed().finally(() => {
      this.restarting = undefined;
    });
    return this.restarting;
  }

  private async sweepCrashed(): Promise<void> {
    const down = [
      ...this.suite.downInstances(),
      ...(this.suite.broker.running ? [] : [this.suite.broker]),
    ].filter((t) => !this.busy.has(t.name));
    for (const target of down) {
      const began = Date.now();
      this.log(`watcher: ${target.name} exited on its own: ${target.lastLines(8).join(' | ')}`);
      this.summary.crashes++;
      const record: FaultRecord = {
        target: target.name,
        action: 'crashed (restarted)',
        at: new Date(began).toISOString(),
        downMs: 0,
        recoveredMs: 0,
        lastLines: target.lastLines(8),
      };
      try {
        await target.start(this.readyTimeoutMs);
        this.summary.restarts++;
      } catch (error) {
        record.problem = error instanceof Error ? error.message : String(error);
      }
      record.recoveredMs = Date.now() - began;
      this.summary.faults.push(record);
    }
  }
}
