import { seededRandom } from '@dmp/domain';

export interface FaultPlanOptions {
  seed: number;
  /** Names of the service instances that may be killed (`documents-1`...). */
  instances: string[];
  /** Kills (services and broker together) at most; PostgreSQL's restart is on top. */
  maxKills: number;
  /** Share of kills that hit the broker (at least one broker kill when maxKills >= 2). */
  brokerShare?: number;
  /** Restart PostgreSQL once, after this many kills (undefined: never). */
  postgresRestartAfter?: number;
  /** Quiet time before each fault, drawn between these bounds. */
  gapMs: [number, number];
  /** How long a killed process stays down before it is started again. */
  downMs: [number, number];
}

export interface PlannedFault {
  /** 'broker', 'postgres' or an instance name. */
  target: string;
  action: 'kill -9' | 'restart';
  /** Quiet time since the previous fault was repaired. */
  gapMs: number;
  downMs: number;
}

/**
 * The seeded list of faults of a chaos run. Pure, so the schedule is unit-tested: every kill of
 * the list is a SIGKILL of one process (a service instance or the broker); the first two kills
 * are one instance and the broker (in a seeded order), so even a run cut short after two faults
 * has lost both kinds of process; PostgreSQL is restarted once when asked.
 */
export function planFaults(options: FaultPlanOptions): PlannedFault[] {
  const random = seededRandom(options.seed);
  const between = ([low, high]: [number, number]): number =>
    Math.round(low + random() * (high - low));
  const pickInstance = (): string =>
    options.instances[Math.floor(random() * options.instances.length)] ?? 'broker';
  const brokerShare = options.brokerShare ?? 0.25;
  const targets: string[] = [];
  for (let i = 0; i < options.maxKills; i++) {
    if (i === 0) targets.push(random() < 0.5 ? 'broker' : pickInstance());
    else if (i === 1) targets.push(targets[0] === 'broker' ? pickInstance() : 'broker');
    else targets.push(random() < brokerShare ? 'broker' : pickInstance());
  }
  const faults: PlannedFault[] = targets.map((target) => ({
    target,
    action: 'kill -9',
    gapMs: between(options.gapMs),
    downMs: between(options.downMs),
  }));
  if (options.postgresRestartAfter !== undefined) {
    const at = Math.min(Math.max(0, options.postgresRestartAfter), faults.length);
    faults.splice(at, 0, {
      target: 'postgres',
      action: 'restart',
      gapMs: between(options.gapMs),
      downMs: between(options.downMs),
    });
  }
  return faults;
}
