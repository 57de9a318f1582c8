import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InstancePlan } from './plan';

export type InstanceState = 'missing' | 'starting' | 'ready' | 'failed' | 'stopped';

const colours = [36, 33, 35, 32, 34, 91, 92, 93, 94, 95];

/** Keys of the runtime's own environment that must not leak into the services. */
const RUNTIME_ONLY = /^(DATABASE_URL_[A-Z]+|SERVICES|npm_.*|INIT_CWD)$/;

/**
 * One service instance as a child process: prefixed output, readiness polling, graceful stop.
 */
export class ServiceInstance {
  state: InstanceState = 'starting';
  reason = '';
  private child: ChildProcess | undefined;
  private readonly recent: string[] = [];
  private exited: Promise<void> = Promise.resolve();
  readonly label: string;

  constructor(
    readonly plan: InstancePlan,
    private readonly root: string,
    private readonly kafkaBrokers: string,
    colourIndex: number,
    private readonly out: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {
    const name = plan.instanceId.padEnd(16);
    this.label = process.stdout.isTTY ? `\u001b[${colours[colourIndex % colours.length]}m${name}\u001b[0m` : name;
  }

  get main(): string {
    return join(this.root, 'dist', 'apps', this.plan.service, 'src', 'main.js');
  }

  get url(): string {
    return `http://127.0.0.1:${this.plan.port}`;
  }

  /** Starts the process; a service whose build output is absent is marked missing instead. */
  start(): void {
    if (!existsSync(this.main)) {
      this.state = 'missing';
      this.reason = `${this.main.slice(this.root.length + 1)} not found (service not written or not built)`;
      return;
    }
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !RUNTIME_ONLY.test(key)) env[key] = value;
    }
    Object.assign(env, this.plan.env, {
      PORT: String(this.plan.port),
      DATABASE_URL: this.plan.databaseUrl,
      KAFKA_BROKERS: this.kafkaBrokers,
      INSTANCE_ID: this.plan.instanceId,
    });
    const child = spawn(process.execPath, ['--enable-source-maps', this.main], {
      cwd: this.root,
      env,
      // The IPC channel is how a service notices that the runtime died (even by kill -9): it
      // then stops itself instead of lingering on its port (see bootServiceApp).
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        this.recent.push(line);
        if (this.recent.length > 40) this.recent.shift();
        this.out(`${this.label} | ${line}`);
      }
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.state !== 'stopped') {
          this.state = 'failed';
          this.reason = `exited (${signal ?? `code ${code}`})`;
          this.out(`${this.label} | *** ${this.plan.instanceId} ${this.reason}`);
        }
        resolve();
      });
    });
  }

  /** Polls /health/ready until 200, the process exits, or the timeout passes. */
  async waitReady(timeoutMs: number): Promise<boolean> {
    if (this.state !== 'starting') return this.state === 'ready';
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.state !== 'starting') return false;
      try {
        const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        if (response.status === 200) {
          this.state = 'ready';
          return true;
        }
        last = `/health/ready answered ${response.status}: ${(await response.text()).slice(0, 300)}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    this.state = 'failed';
    this.reason = `not ready after ${Math.round(timeoutMs / 1000)} s (${last})`;
    return false;
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      if (this.state !== 'missing') this.state = 'stopped';
      return;
    }
    this.state = 'stopped';
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.out(`${this.label} | did not stop within ${timeoutMs} ms: killing`);
      child.kill('SIGKILL');
    }, timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The last lines the process wrote (for failure reports). */
  lastLines(count = 15): string[] {
    return this.recent.slice(-count);
  }
}
