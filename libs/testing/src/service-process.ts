import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './internal/free-port';
import { workspaceRoot } from './internal/workspace';
import { testKafkaBrokers } from './test-database';
import { waitFor } from './wait-for';

export interface ServiceProcess {
  service: string;
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  pid: number;
  /** Everything the process wrote (stdout and stderr), line by line. */
  logs: string[];
  /** Resolves once /health/ready answers 200 (startServiceProcess already waited once). */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Sends a signal (SIGKILL for crash tests) and resolves when the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `timeoutMs`: a graceful stop. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process has exited. */
  readonly exited: boolean;
  /** Resolves with the exit code and signal once the process has exited. */
  waitExit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartServiceProcessOptions {
  /** Script to run instead of dist/apps/<service>/src/main.js (relative to the repository root). */
  main?: string;
  /** Resolve as soon as the process is spawned, without waiting for readiness (boot-failure tests). */
  waitForReady?: boolean;
  /** Default 30 s (cold start: migrations, Kafka group join). */
  readyTimeoutMs?: number;
  /** Echo the child's output to this process' stderr (debugging). */
  echo?: boolean;
}

/**
 * Runs a service as a real child process from dist/ (`npm run build` first), as `npm start`
 * does, for tests that kill it (kill -9 between commit and publish). PORT is a free port and
 * KAFKA_BROKERS the test broker unless `env` says otherwise; DATABASE_URL must be given
 * (createTestDatabase). Waits for /health/ready before resolving.
 */
export async function startServiceProcess(
  service: string,
  env: Record<string, string>,
  options: StartServiceProcessOptions = {},
): Promise<ServiceProcess> {
  const root = workspaceRoot();
  const main = options.main ? join(root, options.main) : join(root, 'dist', 'apps', service, 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} does not exist: run \`npm run build\` before the test`);
  // A PORT given by the test is passed verbatim (a bad-config test may give "abc").
  const portText = env['PORT'] ?? String(await freePort());
  const port = Number(portText);
  const childEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    KAFKA_BROKERS: testKafkaBrokers().join(','),
    INSTANCE_ID: `${service}-child-${port}`,
    HEARTBEAT_INTERVAL_MS: '1000',
    ...env,
    PORT: portText,
  };
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', main], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      logs.push(line);
      if (options.echo) process.stderr.write(`[${service}:${port}] ${line}\n`);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = `http://127.0.0.1:${port}`;

  const waitReady = async (timeoutMs = options.readyTimeoutMs ?? 30_000): Promise<void> => {
    await waitFor(
      async () => {
        if (exit) throw new Error(`${service} exited (${JSON.stringify(exit)}):\n${logs.slice(-30).join('\n')}`);
        const response = await fetch(`${url}/health/ready`);
        return response.status === 200;
      },
      { timeoutMs, intervalMs: 100, message: `${service} on port ${port} to be ready` },
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nlast logs:\n${logs.slice(-30).join('\n')}`);
    });
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!exit) child.kill(signal);
    return exited;
  };

  const handle: ServiceProcess = {
    service,
    url,
    port,
    pid: child.pid ?? -1,
    logs,
    waitReady,
    kill,
    stop: async (timeoutMs = 15_000) => {
      if (exit) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    get exited() {
      return exit !== undefined;
    },
    waitExit: () => exited,
  };
  if (options.waitForReady === false) return handle;
  try {
    await waitReady();
  } catch (error) {
    await kill('SIGKILL');
    throw error;
  }
  return handle;
}
