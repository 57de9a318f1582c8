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
  return Object.values(treeCpuByKind(rootPid)).reduce((sum, seconds) => sum + seconds, 0);
}

/** Each process's kind by pid and start time (a pid may be reused), read once from its command line. */
const kinds = new Map<string, string>();

/**
 * What a process of the chaos suite is, from its command line: `postgres`, `broker`, the service
 * (`documents`...), `self` for the root (the simulator, insurer, balancers and checks), `other`.
 */
export function kindOfCommand(command: string): string {
  if (/(^|\/)postgres(\0|$| )/.test(command) || command.startsWith('postgres:')) return 'postgres';
  if (command.includes('embedded-kafka')) return 'broker';
  const service = /dist\/apps\/([a-z-]+)\/src\/main\.js/.exec(command);
  if (service?.[1]) return service[1];
  return 'other';
}

function kindOf(pid: number, startTime: string, rootPid: number): string {
  if (pid === rootPid) return 'self';
  const key = `${pid}:${startTime}`;
  let kind = kinds.get(key);
  if (kind === undefined) {
    try {
      kind = kindOfCommand(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      kind = 'other';
    }
    if (kinds.size > 100_000) kinds.clear();
    kinds.set(key, kind);
  }
  return kind;
}

/** Per root: the direct children seen alive at an earlier sample, with their CPU then. */
const childrenSeen = new Map<number, Map<string, { pid: number; kind: string; ticks: number }>>();

/**
 * `treeCpuSeconds` split by kind of process (see `kindOfCommand`). A direct child that died
 * since an earlier sample (a killed instance, an earlier broker or PostgreSQL) still counts for
 * its kind with what it had used when last seen; what dead children used after that, or children
 * never seen alive, counts as `reaped`.
 */
export function treeCpuByKind(rootPid: number): Record<string, number> {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return {};
  }
  const parents = new Map<number, number>();
  const own = new Map<number, number>();
  const reaped = new Map<number, number>();
  const started = new Map<number, string>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which may hold spaces, in parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      own.set(Number(entry), Number(fields[11]) + Number(fields[12]));
      reaped.set(Number(entry), Number(fields[13]) + Number(fields[14]));
      started.set(Number(entry), fields[19] ?? '');
    } catch {
      // The process ended while we looked.
    }
  }
  if (!own.has(rootPid)) return {};
  const total: Record<string, number> = {};
  const add = (kind: string, ticks: number): void => {
    if (ticks !== 0) total[kind] = (total[kind] ?? 0) + ticks / CLOCK_TICKS;
  };
  const seen =
    childrenSeen.get(rootPid) ?? new Map<string, { pid: number; kind: string; ticks: number }>();
  // Per direct child of the root: its whole subtree's CPU (PostgreSQL's live backends too), what
  // the root inherits in its reaped CPU once that child has died.
  const subtree = new Map<number, number>();
  for (const [pid, ticks] of own) {
    for (let p: number | undefined = pid; p !== undefined && p > 0; p = parents.get(p)) {
      if (p === rootPid) {
        const kind = kindOf(pid, started.get(pid) ?? '', rootPid);
        if (pid === rootPid) {
          add(kind, ticks);
          break;
        }
        // What a process's own dead children used (PostgreSQL's backends) is its kind's too.
        add(kind, ticks + (reaped.get(pid) ?? 0));
        break;
      }
      if (parents.get(p) === rootPid)
        subtree.set(p, (subtree.get(p) ?? 0) + ticks + (reaped.get(pid) ?? 0));
      if (p === 1) break;
    }
  }
  const alive = new Set<string>();
  for (const [child, ticks] of subtree) {
    const key = `${child}:${started.get(child) ?? ''}`;
    alive.add(key);
    seen.set(key, { pid: child, kind: kindOf(child, started.get(child) ?? '', rootPid), ticks });
  }
  // Dead direct children: their last known CPU for their kind, the rest of the root's reaped
  // CPU (used after that last sample, or by children never seen) as `reaped`.
  let unexplained = reaped.get(rootPid) ?? 0;
  for (const [key, child] of seen) {
    if (alive.has(key)) continue;
    add(child.kind, child.ticks);
    unexplained -= child.ticks;
  }
  add('reaped', Math.max(0, unexplained));
  if (seen.size > 10_000) seen.clear();
  childrenSeen.set(rootPid, seen);
  return total;
}

/**
 * CPU seconds of a process tree per named stretch of time (the simulator's phases, the checks),
 * in all and per kind of process: `enter(name)` closes the current stretch and opens the next one.
 */
export class CpuByStretch {
  private current: string | undefined;
  private since: Record<string, number> = {};
  readonly seconds: Record<string, number> = {};
  /** Per stretch, the CPU seconds of each kind of process (`self`, `postgres`, `broker`, services). */
  readonly byKind: Record<string, Record<string, number>> = {};

  constructor(
    private readonly rootPid: number,
    private readonly sample: (pid: number) => Record<string, number> = treeCpuByKind,
  ) {}

  enter(name: string): void {
    if (name === this.current) return;
    const now = this.sample(this.rootPid);
    if (this.current !== undefined) {
      const kinds = (this.byKind[this.current] ??= {});
      let spent = 0;
      for (const kind of new Set([...Object.keys(now), ...Object.keys(this.since)])) {
        const delta = (now[kind] ?? 0) - (this.since[kind] ?? 0);
        spent += delta;
        kinds[kind] = Math.round(((kinds[kind] ?? 0) + delta) * 10) / 10;
      }
      this.seconds[this.current] =
        Math.round(((this.seconds[this.current] ?? 0) + spent) * 10) / 10;
    }
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
