import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@dmp/persistence';
import { ManagedProcess } from './managed-process';
import { pollUntil } from './poll';

/** The five services of the suite (docs/ARCHITECTURE.md), in start order. */
export const SUITE_SERVICES = [
  'enrolment',
  'documents',
  'reimbursements',
  'consent',
  'analytics',
] as const;
export type SuiteService = (typeof SUITE_SERVICES)[number];

/** Something the chaos run may kill and start again. */
export interface Restartable {
  readonly name: string;
  readonly running: boolean;
  /** Starts it and resolves once it serves again (bounded by `timeoutMs`). */
  start(timeoutMs: number): Promise<void>;
  /** kill -9 (PostgreSQL: a fast shutdown, see PostgresServer). */
  kill(): Promise<void>;
  lastLines(count?: number): string[];
}

/**
 * The embedded PostgreSQL as its own process, on a data directory that survives restarts.
 * Its restart is a clean fast shutdown (SIGINT) and a start on the same directory: the run
 * proves that services ride out losing every connection at once. (A SIGKILL of the postmaster
 * would leave its shared memory to the kernel's mercy; an immediate shutdown is what
 * PostgreSQL offers for "crash now", and fast is what operators do in a restart.)
 */
export class PostgresServer implements Restartable {
  readonly name = 'postgres';
  private handle: EmbeddedPostgresHandle | undefined;
  private readonly recent: string[] = [];

  constructor(
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  get running(): boolean {
    return this.handle !== undefined;
  }

  /** Superuser URL of the `postgres` database. */
  get url(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/postgres`;
  }

  databaseUrl(database: string): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    if (this.handle) return;
    this.handle = await startEmbeddedPostgres({
      dataDir: this.dataDir,
      port: this.port,
      onLog: (line) => {
        this.recent.push(line);
        if (this.recent.length > 100) this.recent.shift();
      },
    });
  }

  async kill(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.stop();
  }

  lastLines(count = 20): string[] {
    return this.recent.slice(-count);
  }
}

/** The embedded broker as its own OS process (`npm run broker`'s CLI from dist/), data on disk. */
export class BrokerProcess implements Restartable {
  readonly name = 'broker';
  private readonly process: ManagedProcess;

  constructor(
    root: string,
    dataDir: string,
    readonly port: number,
  ) {
    const cli = join(root, 'dist', 'tools', 'embedded-kafka', 'src', 'cli.js');
    if (!existsSync(cli)) throw new Error(`${cli} not found: run \`npm run build\` first`);
    mkdirSync(dataDir, { recursive: true });
    this.process = new ManagedProcess({
      name: 'broker',
      command: process.execPath,
      // 'os' durability: a kill -9 of the broker process loses nothing the OS already holds
      // (every write reaches the page cache before the ack); only a machine crash would.
      args: [
        cli,
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--data-dir',
        dataDir,
        '--durability',
        'os',
        '--log-level',
        'warn',
      ],
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
    });
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process.running;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  async start(timeoutMs: number): Promise<void> {
    let ready = false;
    const unsubscribe = this.process.onLine((line) => {
      if (line.startsWith('broker ready')) ready = true;
    });
    try {
      this.process.start();
      await pollUntil(() => ready, {
        timeoutMs,
        intervalMs: 50,
        what: `the broker on ${this.bootstrap} to accept connections`,
        abort: () =>
          this.process.running
            ? undefined
            : `it exited (${JSON.stringify(this.process.exitStatus)}): ${this.process.lastLines(10).join(' | ')}`,
      });
    } finally {
      unsubscribe();
    }
  }

  async kill(): Promise<void> {
    await this.process.kill9();
  }

  async stop(): Promise<void> {
    await this.process.stop(10_000);
  }

  lastLines(count = 20): string[] {
    return this.process.lastLines(count);
  }
}

export interface ServiceInstanceSettings {
  root: string;
  service: SuiteService;
  /** 1-based instance number within its service. */
  index: number;
  port: number;
  env: Record<string, string>;
  /** Receives the instance's output lines (default: kept for failure reports only). */
  onLine?: (line: string) => void;
}

/** One instance of a service: `node dist/apps/<service>/src/main.js`, ready when /health/ready says 200. */
export class ServiceInstanceProcess implements Restartable {
  readonly name: string;
  private readonly process: ManagedProcess;

  constructor(readonly settings: ServiceInstanceSettings) {
    const main = join(settings.root, 'dist', 'apps', settings.service, 'src', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} not found: run \`npm run build\` first`);
    this.name = `${settings.service}-${settings.index}`;
    this.process = new ManagedProcess({
      name: this.name,
      command: process.execPath,
      args: ['--enable-source-maps', main],
      cwd: settings.root,
      env: { ...settings.env, PORT: String(settings.port), INSTANCE_ID: this.name },
      ipc: true,
      onLine: settings.onLine,
    });
  }

  get service(): SuiteService {
    return this.settings.service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.settings.port}`;
  }

  get running(): boolean {
    return this.process.running;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  async start(timeoutMs: number): Promise<void> {
    this.process.start();
    await this.waitReady(timeoutMs);
  }

  /** Polls /health/ready (PostgreSQL and the broker reachable, consumers joined) until 200. */
  async waitReady(timeoutMs: number): Promise<void> {
    await pollUntil(
      async () => {
        const response = await fetch(`${this.url}/health/ready`, {
          signal: AbortSignal.timeout(2_000),
        });
        await response.arrayBuffer();
        return response.status === 200;
      },
      {
        timeoutMs,
        intervalMs: 200,
        what: `${this.name} on ${this.url} to be ready`,
        abort: () =>
          this.process.running
            ? undefined
            : `it exited (${JSON.stringify(this.process.exitStatus)}): ${this.process.lastLines(15).join(' | ')}`,
      },
    );
  }

  async isReady(): Promise<boolean> {
    if (!this.process.running) return false;
    try {
      const response = await fetch(`${this.url}/health/ready`, {
        signal: AbortSignal.timeout(2_000),
      });
      await response.arrayBuffer();
      return response.status === 200;
    } catch {
      return false;
    }
  }

  async kill(): Promise<void> {
    await this.process.kill9();
  }

  async stop(): Promise<void> {
    await this.process.stop(15_000);
  }

  lastLines(count = 20): string[] {
    return this.process.lastLines(count);
  }
}
