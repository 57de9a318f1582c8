import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU fields (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/**
 * CPU seconds (user + system) used so far by a process tree: every live descendant of `rootPid`
 * (itself included), with what their reaped children used (cutime + cstime). Killed and
 * restarted service instances, exited PostgreSQL backends and the broker's earlier lives all
 * count, as long as their parent is still alive. Linux only; 0 where /proc is missing.
 */
export function treeCpuSeconds(rootPid: number): number {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which may hold spaces, in parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      ticks.set(
        Number(entry),
        Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]),
      );
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0;
  for (const [pid, t] of ticks) {
    for (let p: number | undefined = pid; p !== undefined && p > 0; p = parents.get(p)) {
      if (p === rootPid) {
        total += t;
        break;
      }
      if (p === 1) break;
    }
  }
  return total / CLOCK_TICKS;
}

/**
 * CPU seconds of a process tree per named stretch of time (the simulator's phases, the checks):
 * `enter(name)` closes the current stretch and opens the next one.
 */
export class CpuByStretch {
  private current: string | undefined;
  private since = 0;
  readonly seconds: Record<string, number> = {};

  constructor(
    private readonly rootPid: number,
    private readonly sample: (pid: number) => number = treeCpuSeconds,
  ) {}

  enter(name: string): void {
    if (name === this.current) return;
    const now = this.sample(this.rootPid);
    if (this.current !== undefined)
      this.seconds[this.current] =
        Math.round(((this.seconds[this.current] ?? 0) + now - this.since) * 10) / 10;
    this.current = name;
    this.since = now;
  }

  /** Closes the current stretch. */
  stop(): Record<string, number> {
    this.enter('\u0000stopped');
    this.current = undefined;
    return { ...this.seconds };
  }
}
