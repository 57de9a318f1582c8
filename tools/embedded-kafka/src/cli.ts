// `npm run broker -- --port 19092 --data-dir .data/kafka [--partitions N] [--host H]
//   [--advertised-host H] [--durability fsync-before-ack|os] [--preallocate-bytes N]
//   [--preallocate-mode sparse|zeros] [--log-level info] [--stats-interval-ms N]`
// Prints "broker ready <host:port>" on stdout once it accepts connections. SIGTERM/SIGINT stop
// it cleanly; SIGUSR2 prints the stats snapshot as one JSON line on stdout.
import { startBroker, BrokerOptions } from './broker';
import type { LogLevel } from './logger';

const USAGE = `usage: broker [--port N] [--host H] [--advertised-host H] [--data-dir DIR] [--partitions N]
              [--durability fsync-before-ack|os] [--retention-ms N] [--retention-bytes N]
              [--preallocate-bytes N] [--preallocate-mode sparse|zeros]
              [--log-level debug|info|warn|error] [--stats-interval-ms N]`;

function parseArgs(argv: string[]): { options: BrokerOptions; statsIntervalMs: number } {
  const options: BrokerOptions = {};
  let statsIntervalMs = 0;
  const int = (name: string, raw: string | undefined, min: number): number => {
    const n = Number(raw);
    if (raw === undefined || !Number.isInteger(n) || n < min)
      throw new Error(`${name} needs an integer >= ${min}, got ${raw ?? 'nothing'}`);
    return n;
  };
  const oneOf = <T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T => {
    if (raw !== undefined && (allowed as readonly string[]).includes(raw)) return raw as T;
    const choices = `${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}`;
    throw new Error(`${name} is ${choices}, got ${raw}`);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--port':
        options.port = int(flag, value(), 0);
        break;
      case '--host':
        options.host = value();
        break;
      case '--advertised-host':
        options.advertisedHost = value();
        break;
      case '--data-dir':
        options.dataDir = value();
        break;
      case '--partitions':
        options.defaultPartitions = int(flag, value(), 1);
        break;
      case '--durability':
        options.durability = oneOf(flag, value(), ['fsync-before-ack', 'os'] as const);
        break;
      case '--retention-ms':
        options.retentionMs = int(flag, value(), -1);
        break;
      case '--retention-bytes':
        options.retentionBytes = int(flag, value(), -1);
        break;
      case '--preallocate-bytes':
        options.preallocateBytes = int(flag, value(), 0);
        break;
      case '--preallocate-mode':
        options.preallocateMode = oneOf(flag, value(), ['sparse', 'zeros'] as const);
        break;
      case '--log-level':
        options.logLevel = oneOf<LogLevel>(flag, value(), ['debug', 'info', 'warn', 'error']);
        break;
      case '--stats-interval-ms':
        statsIntervalMs = int(flag, value(), 0);
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  return { options, statsIntervalMs };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const { options, statsIntervalMs } = parsed;
  options.dataDir ??= '.data/kafka';
  const broker = await startBroker(options);
  console.log(`broker ready ${broker.bootstrap}`);
  const printStats = (): void => void process.stdout.write(JSON.stringify(broker.stats()) + '\n');
  process.on('SIGUSR2', printStats);
  if (statsIntervalMs > 0) setInterval(printStats, statsIntervalMs).unref();
  const shutdown = (signal: string): void => {
    broker.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`stop after ${signal} failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(
    `broker failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
