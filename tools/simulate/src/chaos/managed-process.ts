import { ChildProcess, spawn } from 'node:child_process';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcessOptions {
  /** Names the process in logs and reports (`documents-2`, `broker`). */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /**
   * Opens an IPC channel: a service notices through it that the supervisor died (even by kill -9)
   * and stops itself instead of lingering on its port (bootServiceApp listens for `disconnect`).
   */
  ipc?: boolean;
  /** Receives every output line, prefixed by nothing (default: kept in the ring buffer only). */
  onLine?: (line: string) => void;
}

/** Children alive right now: killed if the supervisor exits without stopping them (a crash, Ctrl-C). */
const alive = new Set<ChildProcess>();
let exitHookInstalled = false;

function killOrphansOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of alive) child.kill('SIGKILL');
  });
}

/**
 * One OS process that the chaos run may kill with SIGKILL and start again with the same command:
 * its output lines go to a ring buffer (for failure reports), its exits are counted.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<ExitStatus> = Promise.resolve({ code: null, signal: null });
  private lastExit: ExitStatus | undefined;
  private readonly recent: string[] = [];
  private lineListeners: Array<(line: string) => void> = [];
  starts = 0;

  constructor(private readonly options: ManagedProcessOptions) {}

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.lastExit === undefined;
  }

  /** How the last run ended (undefined while running or before the first start). */
  get exitStatus(): ExitStatus | undefined {
    return this.lastExit;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.child?.pid})`);
    this.lastExit = undefined;
    this.starts++;
    const child = spawn(this.options.command, this.options.args, {
      cwd: this.options.cwd,
      env: this.options.env,
      stdio: ['ignore', 'pipe', 'pipe', ...(this.options.ipc ? (['ipc'] as const) : [])],
    });
    this.child = child;
    alive.add(child);
    killOrphansOnExit();
    let partial = '';
    const collect = (chunk: Buffer): void => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.push(line);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    // A failed spawn emits 'error' and then (maybe) 'exit': settle on whichever comes first.
    this.exitPromise = new Promise<ExitStatus>((resolve) => {
      const settle = (status: ExitStatus): void => {
        if (this.lastExit) return;
        alive.delete(child);
        if (partial) this.push(partial);
        partial = '';
        this.lastExit = status;
        resolve(status);
      };
      child.once('exit', (code, signal) => settle({ code, signal }));
      child.once('error', (error) => {
        this.push(`spawn error: ${error.message}`);
        settle({ code: -1, signal: null });
      });
    });
  }

  /** kill -9: no shutdown hook runs, exactly as when the machine loses the process. */
  async kill9(): Promise<ExitStatus> {
    if (this.running) this.child?.kill('SIGKILL');
    return this.exitPromise;
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<ExitStatus> {
    if (!this.running) return this.lastExit ?? { code: null, signal: null };
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exitPromise;
    } finally {
      clearTimeout(timer);
    }
  }

  waitExit(): Promise<ExitStatus> {
    return this.exitPromise;
  }

  /** Calls `listener` with every line from now on; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    this.lineListeners.push(listener);
    return () => {
      this.lineListeners = this.lineListeners.filter((l) => l !== listener);
    };
  }

  lastLines(count = 20): string[] {
    return this.recent.slice(-count);
  }

  private push(line: string): void {
    if (!line.trim()) return;
    this.recent.push(line);
    if (this.recent.length > 200) this.recent.shift();
    this.options.onLine?.(line);
    for (const listener of this.lineListeners) listener(line);
  }
}
