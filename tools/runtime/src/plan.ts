import { isAbsolute, join } from 'node:path';

/** The five services, their default ports and databases (docs/ARCHITECTURE.md). */
export const SERVICES = [
  { name: 'enrolment', port: 3001 },
  { name: 'documents', port: 3002 },
  { name: 'reimbursements', port: 3003 },
  { name: 'consent', port: 3004 },
  { name: 'analytics', port: 3005 },
] as const;

export type ServiceName = (typeof SERVICES)[number]['name'];

export interface InstancePlan {
  service: ServiceName;
  /** 1-based. */
  index: number;
  port: number;
  instanceId: string;
  databaseUrl: string;
  /** Settings that follow the data directory (files the service keeps), unless set already. */
  env?: Record<string, string>;
}

export interface RuntimePlan {
  root: string;
  dataDir: string;
  /** Embedded PostgreSQL settings, or undefined when every service has an external database URL. */
  embeddedPostgres?: { port: number; dataDir: string };
  /** Embedded broker settings, or undefined when KAFKA_BROKERS is set. */
  embeddedKafka?: { port: number; dataDir: string };
  kafkaBrokers: string;
  instances: InstancePlan[];
  services: ServiceName[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = UsageError.name;
  }
}

export const USAGE = `Usage: npm start [-- options]
  --instances N      run N instances of each service (ports 3001.., then 3101.., 3201..)
  --services a,b     only these services (same as SERVICES=a,b)
  --data-dir DIR     where embedded PostgreSQL, the broker and the services' files are kept (default .data)
  --pg-port N        embedded PostgreSQL port (default 54320)
  --kafka-port N     embedded broker port (default 19092)
  --port-offset N    added to every service port (default 0)
Environment:
  SERVICES                   comma-separated subset of ${SERVICES.map((s) => s.name).join(', ')}
  KAFKA_BROKERS              use this Kafka instead of the embedded broker
  DATABASE_URL               a PostgreSQL server to use instead of the embedded one; each service
                             gets the database dmp_<service> on it
  DATABASE_URL_<SERVICE>     the full URL of one service's database (wins over DATABASE_URL)`;

function integer(flag: string, raw: string | undefined, min: number, max: number): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer between ${min} and ${max} (got ${raw ?? 'nothing'})`);
  }
  return value;
}

/** Swaps the database of a PostgreSQL URL. */
function databaseOn(serverUrl: string, database: string): string {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new UsageError(`DATABASE_URL is not a URL: ${serverUrl.replace(/:[^:@/]*@/, ':***@')}`);
  }
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * What `npm start` will run, from its arguments and environment. Pure: no process is started,
 * so every rule here is unit-tested.
 */
export function planRuntime(argv: string[], env: NodeJS.ProcessEnv, root: string): RuntimePlan {
  let instances = 1;
  let servicesArg = env['SERVICES'];
  let dataDir = '.data';
  let pgPort = 54320;
  let kafkaPort = 19092;
  let portOffset = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--instances':
        instances = integer('--instances', value(), 1, 9);
        break;
      case '--services':
        servicesArg = value();
        break;
      case '--data-dir':
        dataDir = value() ?? '';
        break;
      case '--pg-port':
        pgPort = integer('--pg-port', value(), 1, 65535);
        break;
      case '--kafka-port':
        kafkaPort = integer('--kafka-port', value(), 1, 65535);
        break;
      case '--port-offset':
        portOffset = integer('--port-offset', value(), 0, 60000);
        break;
      case '--help':
      case '-h':
        throw new UsageError(USAGE);
      default:
        throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    }
  }
  const known = SERVICES.map((s) => s.name) as string[];
  const services = (
    servicesArg
      ? servicesArg
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
      : known
  ) as ServiceName[];
  const unknown = services.filter((s) => !known.includes(s));
  if (unknown.length > 0) throw new UsageError(`SERVICES names unknown service(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  if (services.length === 0) throw new UsageError('SERVICES is empty');

  const absoluteData = isAbsolute(dataDir) ? dataDir : join(root, dataDir);
  const externalUrl = (service: ServiceName): string | undefined => {
    const own = env[`DATABASE_URL_${service.toUpperCase()}`];
    if (own) return own;
    if (env['DATABASE_URL']) return databaseOn(env['DATABASE_URL'], `dmp_${service}`);
    return undefined;
  };
  const allExternal = services.every((s) => externalUrl(s) !== undefined);
  const embeddedUrl = (service: ServiceName): string => `postgres://postgres:postgres@127.0.0.1:${pgPort}/dmp_${service}`;
  const kafkaBrokers = env['KAFKA_BROKERS'] || `127.0.0.1:${kafkaPort}`;

  const plan: RuntimePlan = {
    root,
    dataDir: absoluteData,
    kafkaBrokers,
    services,
    instances: [],
    ...(allExternal ? {} : { embeddedPostgres: { port: pgPort, dataDir: join(absoluteData, 'postgres') } }),
    ...(env['KAFKA_BROKERS'] ? {} : { embeddedKafka: { port: kafkaPort, dataDir: join(absoluteData, 'kafka') } }),
  };
  // Reimbursements' drop folder and upload spool live with the rest of the data, so that two
  // suites of one checkout (say `--data-dir /tmp/a` and the demo's) never share insurer files.
  const filesOf = (service: ServiceName): Record<string, string> =>
    service === 'reimbursements'
      ? {
          REIMBURSEMENTS_DROP_DIR: env['REIMBURSEMENTS_DROP_DIR'] || join(absoluteData, 'reimbursements', 'drop'),
          REIMBURSEMENTS_SPOOL_DIR: env['REIMBURSEMENTS_SPOOL_DIR'] || join(absoluteData, 'reimbursements', 'spool'),
        }
      : {};
  for (let index = 1; index <= instances; index++) {
    for (const service of SERVICES.filter((s) => services.includes(s.name))) {
      plan.instances.push({
        service: service.name,
        index,
        port: service.port + portOffset + (index - 1) * 100,
        instanceId: instances > 1 ? `${service.name}-${index}` : service.name,
        // With the embedded PostgreSQL, a service with its own external URL still uses it.
        databaseUrl: externalUrl(service.name) ?? embeddedUrl(service.name),
        env: filesOf(service.name),
      });
    }
  }
  return plan;
}
