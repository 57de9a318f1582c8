import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Shared by the benchmarks: rounding, CPU time of processes from /proc, the broker as a child. */

export const repoRoot = join(__dirname, '..', '..', '..', '..', '..');

/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS = 100;

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces, in parentheses), or null once the process has ended. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) used so far by one process, or null once it has ended. */
export function processCpuSeconds(pid: number): number | null {
  const fields = statFields(pid);
  return fields === null ? null : (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** User and system CPU seconds and minor page faults of one process so far (zeros once it has ended). */
export function processStat(pid: number): { user: number; system: number; minorFaults: number } {
  const fields = statFields(pid);
  if (fields === null) return { user: 0, system: 0, minorFaults: 0 };
  return { user: Number(fields[11]) / CLOCK_TICKS, system: Number(fields[12]) / CLOCK_TICKS, minorFaults: Number(fields[7]) };
}

/** CPU seconds (user + system) used so far by a process and its live descendants. */
export function treeCpuSeconds(rootPid: number): number {
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  for (const [pid, t] of ticks) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parents.get(p)) {
      if (p === rootPid) {
        total += t;
        break;
      }
    }
  }
  return total / CLOCK_TICKS;
}

export interface BrokerProcess {
  child: ChildProcess;
  /** host:port to give kafkajs or kcat. */
  bootstrap: string;
  pid: number;
}

/**
 * The embedded broker's CLI from dist/ as a child process on a free port, resolved once it prints
 * its address. `cli` (or the BENCH_BROKER_CLI environment variable) runs another build (an A/B
 * run); `args` are added to the CLI's arguments.
 */
export function startBrokerProcess(dataDir: string, options: { cli?: string; args?: string[]; timeoutMs?: number } = {}): Promise<BrokerProcess> {
  // BENCH_BROKER_CLI: every bench can run against another build of the broker (an A/B run).
  const cli = options.cli ?? process.env.BENCH_BROKER_CLI ?? join(repoRoot, 'dist', 'tools', 'embedded-kafka', 'src', 'cli.js');
  const timeoutMs = options.timeoutMs ?? 15_000;
  const child = spawn(process.execPath, [cli, '--port', '0', '--data-dir', dataDir, ...(options.args ?? [])], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
      const match = /\b((?:\d{1,3}\.){3}\d{1,3}|localhost):(\d{2,5})\b/.exec(output);
      if (match && Number(match[2]) > 0) {
        clearTimeout(timer);
        resolve({ child, bootstrap: `${match[1]}:${match[2]}`, pid: child.pid ?? -1 });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code}:\n${output}`));
    });
  });
}
